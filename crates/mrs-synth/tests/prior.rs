//! Prior files: validation errors that name the group and field, round trips, and priors
//! derived from per-patient estimates.

mod common;

use common::{example_prior, quiet_spectral};
use mrs_synth::{derive_group, DeriveOptions, Distribution, EstimateTable, Prior, SynthError};
use std::error::Error;
use std::path::Path;

type TestResult = Result<(), Box<dyn Error>>;

fn example_text() -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("priors/liver_example.toml");
    std::fs::read_to_string(path).expect("example prior")
}

fn parse(text: &str) -> mrs_synth::Result<Prior> {
    Prior::from_toml_str(text, Path::new("edited.toml"))
}

/// Asserts an `InvalidPrior` error naming `group` and a field starting with `field`.
fn assert_invalid(result: mrs_synth::Result<Prior>, group: &str, field: &str) {
    match result {
        Err(SynthError::InvalidPrior {
            group: g, field: f, ..
        }) => {
            assert_eq!(g, group);
            assert!(f.starts_with(field), "field {f}, expected {field}");
        }
        other => panic!("expected InvalidPrior for {group}/{field}, got {other:?}"),
    }
}

#[test]
fn example_prior_is_valid() {
    let prior = example_prior();
    assert_eq!(prior.targets.len(), 20);
    assert_eq!(prior.groups.len(), 2);
    assert!(prior.description.contains("not clinical"));
    // Content normals without a lower bound are truncated at zero on load.
    match &prior.groups[0].contents["Cr"] {
        Distribution::TruncatedNormal { min, .. } => assert_eq!(*min, Some(0.0)),
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn toml_round_trip_keeps_prior() -> TestResult {
    let prior = example_prior();
    let text = prior.to_toml_string()?;
    let back = parse(&text)?;
    assert_eq!(back, prior);
    Ok(())
}

#[test]
fn negative_sd_names_group_and_target() {
    let text = example_text().replacen(
        "Asp = { dist = \"truncated_normal\", mean = 0.8, sd = 0.4 }",
        "Asp = { dist = \"truncated_normal\", mean = 0.8, sd = -0.4 }",
        1,
    );
    assert_invalid(parse(&text), "HBV-LC", "contents.Asp.sd");
}

#[test]
fn missing_target_distribution_rejected() {
    let text = example_text().replacen(
        "Tau = { dist = \"truncated_normal\", mean = 0.8, sd = 0.4 }\n",
        "",
        1,
    );
    assert_invalid(parse(&text), "HBV-LC", "contents.Tau");
}

#[test]
fn negative_content_support_rejected() {
    let text = example_text().replacen(
        "Ala = { dist = \"truncated_normal\", mean = 0.6, sd = 0.3 }",
        "Ala = { dist = \"uniform\", min = -0.1, max = 0.5 }",
        1,
    );
    assert_invalid(parse(&text), "HBV-LC-HCC", "contents.Ala");
}

#[test]
fn snr_without_positive_bound_rejected() {
    let text = example_text().replacen(
        "snr = { dist = \"log_normal\", mu = 3.3, sigma = 0.4 }",
        "snr = { dist = \"truncated_normal\", mean = 30.0, sd = 10.0 }",
        1,
    );
    assert_invalid(parse(&text), "HBV-LC-HCC", "spectral.snr");
}

#[test]
fn inconsistent_correlations_rejected() {
    // r(09,13) = 0.8 and r(13,16) = 0.5 cannot go with r(09,16) = -0.9.
    let text = example_text().replacen(
        "{ targets = [\"Lip09\", \"Lip16\"], r = 0.5 }",
        "{ targets = [\"Lip09\", \"Lip16\"], r = -0.9 }",
        1,
    );
    assert_invalid(parse(&text), "HBV-LC", "correlations");
}

#[test]
fn misspelt_field_is_parse_error() {
    let text = example_text().replacen("lorentzian_fwhm_hz", "lorentzian_fwhm", 1);
    match parse(&text) {
        Err(SynthError::PriorParse { path, source }) => {
            assert_eq!(path, Path::new("edited.toml"));
            assert!(source.to_string().contains("lorentzian_fwhm"), "{source}");
        }
        other => panic!("expected PriorParse, got {other:?}"),
    }
}

#[test]
fn unknown_distribution_is_parse_error() {
    let text = example_text().replacen("dist = \"uniform\"", "dist = \"gamma\"", 1);
    assert!(matches!(parse(&text), Err(SynthError::PriorParse { .. })));
}

const ESTIMATES: &str = "\
patient,Cr,Lip13,snr,lorentzian_fwhm_hz
# fitted values of ten prior patients (made up for the test)
p01,1.0,10.0,30,10
p02,1.2,12.0,25,12
p03,0.8,8.0,35,11
p04,1.1,11.0,28,9
p05,0.9,9.0,32,13
p06,1.0,-0.5,30,10
p07,1.3,13.0,22,14
p08,0.7,7.0,38,8
p09,1.0,10.0,30,10
p10,1.0,10.0,30,10
";

#[test]
fn derived_group_widens_observed_sd() -> TestResult {
    let table = EstimateTable::from_csv_str(ESTIMATES, Path::new("estimates.csv"))?;
    assert_eq!(table.patients.len(), 10);
    let targets = vec!["Cr".to_string(), "Lip13".to_string()];
    let options = DeriveOptions::default();
    let group = derive_group("HBV-LC", &table, &targets, &quiet_spectral(20.0), &options)?;

    let cr = &table.columns["Cr"];
    let mean = cr.iter().sum::<f64>() / 10.0;
    let sd = (cr.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / 9.0).sqrt();
    match group.contents["Cr"] {
        Distribution::TruncatedNormal {
            mean: m,
            sd: s,
            min,
            max,
        } => {
            assert!((m - mean).abs() < 1e-12);
            assert!((s - 1.5 * sd).abs() < 1e-12, "sd {s}, observed {sd}");
            assert_eq!(min, Some(0.0));
            assert_eq!(max, None);
        }
        ref other => panic!("unexpected {other:?}"),
    }
    // The negative Lip13 estimate counts as zero.
    match group.contents["Lip13"] {
        Distribution::TruncatedNormal { mean: m, .. } => {
            assert!((m - 9.0).abs() < 1e-12, "mean {m}")
        }
        ref other => panic!("unexpected {other:?}"),
    }
    // SNR comes from the table, truncated at a quarter of its smallest value; the phase from
    // the template.
    match group.spectral.snr {
        Distribution::TruncatedNormal { min, .. } => assert_eq!(min, Some(5.5)),
        ref other => panic!("unexpected {other:?}"),
    }
    assert_eq!(
        group.spectral.phase0_deg,
        Distribution::Fixed { value: 0.0 }
    );
    Ok(())
}

#[test]
fn derived_sd_has_floor() -> TestResult {
    let mut table = EstimateTable::from_csv_str(ESTIMATES, Path::new("estimates.csv"))?;
    table.columns.insert("Gln".to_string(), vec![2.0; 10]);
    let group = derive_group(
        "g",
        &table,
        &["Gln".to_string()],
        &quiet_spectral(20.0),
        &DeriveOptions::default(),
    )?;
    match group.contents["Gln"] {
        Distribution::TruncatedNormal { sd, .. } => assert!((sd - 0.2).abs() < 1e-12, "sd {sd}"),
        ref other => panic!("unexpected {other:?}"),
    }
    Ok(())
}

#[test]
fn derived_prior_validates_and_round_trips() -> TestResult {
    let table = EstimateTable::from_csv_str(ESTIMATES, Path::new("estimates.csv"))?;
    let targets = vec!["Cr".to_string(), "Lip13".to_string()];
    let group = derive_group(
        "HBV-LC",
        &table,
        &targets,
        &quiet_spectral(20.0),
        &DeriveOptions::default(),
    )?;
    let mut prior = Prior {
        description: "derived".to_string(),
        targets,
        signal_window_ppm: [0.2, 4.2],
        phase1_pivot_ppm: 4.65,
        baseline_components: 4,
        groups: vec![group],
    };
    prior.validate()?;
    let folder = tempfile::tempdir()?;
    let path = folder.path().join("derived.toml");
    prior.write(&path)?;
    assert_eq!(Prior::read(&path)?, prior);
    Ok(())
}

#[test]
fn missing_estimate_column_rejected() -> TestResult {
    let table = EstimateTable::from_csv_str(ESTIMATES, Path::new("estimates.csv"))?;
    let result = derive_group(
        "g",
        &table,
        &["GABA".to_string()],
        &quiet_spectral(20.0),
        &DeriveOptions::default(),
    );
    match result {
        Err(SynthError::InvalidEstimates { target, .. }) => assert_eq!(target, "GABA"),
        other => panic!("expected InvalidEstimates, got {other:?}"),
    }
    Ok(())
}

#[test]
fn malformed_estimate_row_rejected() {
    let text = "patient,Cr\np01,1.0\np02,abc\n";
    let result = EstimateTable::from_csv_str(text, Path::new("bad.csv"));
    assert!(matches!(result, Err(SynthError::InvalidDataset { .. })));
}

#[test]
fn misspelt_bound_is_parse_error() {
    // A typo in an optional bound must not silently drop the bound.
    let text = example_text().replacen(
        "lorentzian_fwhm_hz = { dist = \"truncated_normal\", mean = 12.0, sd = 4.0, min = 3.0, max = 30.0 }",
        "lorentzian_fwhm_hz = { dist = \"truncated_normal\", mean = 12.0, sd = 4.0, min = 3.0, maximum = 30.0 }",
        1,
    );
    assert!(matches!(parse(&text), Err(SynthError::PriorParse { .. })));
}

//! The whole chain at small scale: bundled cohort, NLLS fits of the prior patients, derived
//! priors, a synthesizer, NLLS on 20 simulated spectra, errors, outputs and report.

use crate::support::{bundled_cohort, liver_coord, template_prior};
use mrs_stats::{BootstrapConfig, ClassifierConfig, Correction, ErrorConfig, ZeroTruthPolicy};
use mrs_study::cohort::{Cohort, Group, Role};
use mrs_study::nlls::{derive_prior, fit_patients, liver_fitter, nlls_benchmark, LiverModel};
use mrs_study::report::{
    write_comparison_csv, write_json, write_patients_csv, write_report_html, ErrorFigure,
    ExampleFit, MethodTiming, PatientQuantities, PatientRow, ReportInput, StudyMetrics,
    VIRTUAL_COHORT_NOTE,
};
use mrs_study::scoring::{
    compare_methods, errors_per_target, score_classification, PatientProbability,
};
use mrs_study::virtual_cohort::{liver_basis, CohortTruth, TRUTH_FILE};
use mrs_synth::{DeriveOptions, Distribution, Prior, Representation, Synthesizer};
use std::sync::atomic::{AtomicUsize, Ordering};

/// Seed of the simulated test set; any value works.
const TEST_SET_SEED: u64 = 77;
/// Simulated spectra fitted; small to keep the suite fast.
const N_SIMULATED: u64 = 20;

#[test]
fn chain_runs_end_to_end() {
    // Cohort, with the real liver spectrum as an unlabelled test patient.
    let mut cohort = Cohort::load(&bundled_cohort()).expect("load bundled cohort");
    cohort
        .push_unlabelled("liver-real", &liver_coord())
        .expect("add the liver spectrum");
    let truth = CohortTruth::read(&bundled_cohort().join(TRUTH_FILE)).expect("truth");
    let basis = liver_basis(&truth.config).expect("basis");
    let targets = truth.targets.clone();
    let fitter = liver_fitter(basis.clone(), LiverModel::SynthesisMatched).expect("fitter");

    // Fit the prior patients and derive one prior per group from the fits.
    let prior_patients: Vec<_> = Group::ALL
        .into_iter()
        .flat_map(|g| cohort.prior_patients(g))
        .collect();
    assert_eq!(prior_patients.len(), 20);
    let calls = AtomicUsize::new(0);
    let prior_fits = fit_patients(&fitter, &cohort, &prior_patients, &targets, |_, total| {
        assert_eq!(total, 20);
        calls.fetch_add(1, Ordering::Relaxed);
    })
    .expect("fit prior patients");
    assert_eq!(calls.load(Ordering::Relaxed), 20);
    let template = Prior::read(&template_prior()).expect("template prior");
    let derived = derive_prior(&prior_fits, &targets, &template, &DeriveOptions::default())
        .expect("derive prior");
    assert_eq!(derived.groups.len(), 2);
    assert_eq!(derived.groups[0].name, "HBV-LC");
    // The dominant lipid line is fitted well enough that the derived mean lies near the mean
    // of the generating contents of the same ten patients (measured: 282.6 against 284.1).
    let lip13 = targets.iter().position(|t| t == "Lip13").expect("Lip13");
    let true_mean: f64 = truth
        .patients
        .iter()
        .filter(|p| p.group == Group::HbvLc && p.role == Role::Prior)
        .map(|p| p.contents[lip13])
        .sum::<f64>()
        / 10.0;
    // The location parameter, not the truncated distribution's mean, which the widened SD
    // and the truncation at 0 move up.
    let Distribution::TruncatedNormal {
        mean: derived_mean, ..
    } = derived.groups[0].contents["Lip13"]
    else {
        panic!("derived contents are truncated normals");
    };
    assert!(
        (derived_mean / true_mean - 1.0).abs() < 0.1,
        "derived Lip13 mean {derived_mean}, true {true_mean}"
    );
    let synth = Synthesizer::new(&basis, &derived, &Representation::default())
        .expect("synthesizer from the derived prior");

    // NLLS on simulated spectra, against their truth.
    let benchmark =
        nlls_benchmark(&fitter, &synth, TEST_SET_SEED, 0..N_SIMULATED, |_, _| {}).expect("bench");
    assert_eq!(benchmark.indices, (0..N_SIMULATED).collect::<Vec<_>>());
    let (_, first_truth) = synth.generate_fid(TEST_SET_SEED, 0);
    assert_eq!(benchmark.truth[0], first_truth.contents);
    let config = ErrorConfig {
        zero_truth: ZeroTruthPolicy::Exclude,
        bootstrap: BootstrapConfig {
            n_resamples: 500,
            ..BootstrapConfig::default()
        },
    };
    let nlls_errors = errors_per_target(&targets, &benchmark.contents(), &benchmark.truth, &config)
        .expect("NLLS errors");
    // Measured: median absolute error 9.5 % (mean 11.9 %) on Lip13, the dominant line, at
    // the derived prior's SNR. Metabolites fare far worse under the lipid lines.
    let lip13_median = nlls_errors[lip13]
        .report
        .absolute_percent_error
        .as_ref()
        .expect("percent errors")
        .median;
    assert!(lip13_median < 20.0, "Lip13 median error {lip13_median} %");

    // A second, naive method: every spectrum gets the derived prior's mean contents.
    let prior_means: Vec<f64> = targets
        .iter()
        .map(|t| {
            derived
                .groups
                .iter()
                .map(|g| g.contents[t].moments().0)
                .sum::<f64>()
                / derived.groups.len() as f64
        })
        .collect();
    let naive = vec![prior_means; benchmark.truth.len()];
    let naive_errors =
        errors_per_target(&targets, &naive, &benchmark.truth, &config).expect("naive errors");
    let comparison = compare_methods(
        "NLLS",
        &nlls_errors,
        "prior-mean",
        &naive_errors,
        Correction::Holm,
    )
    .expect("compare");
    assert_eq!(comparison.rows.len(), 20);
    let lip13_row = &comparison.rows[lip13];
    assert!(
        lip13_row.mape_a < lip13_row.mape_b,
        "NLLS must beat the prior mean on Lip13: {lip13_row:?}"
    );

    // Quantify the virtual test patients, and the real spectrum with the LCModel-style model.
    let (real_patient, test_patients): (Vec<_>, Vec<_>) =
        cohort.test_patients().partition(|p| p.id == "liver-real");
    assert_eq!(test_patients.len(), 17);
    let mut test_fits =
        fit_patients(&fitter, &cohort, &test_patients, &targets, |_, _| {}).expect("test fits");
    let lcmodel = liver_fitter(basis.clone(), LiverModel::Lcmodel).expect("LCModel-style fitter");
    let real = fit_patients(&lcmodel, &cohort, &real_patient, &targets, |_, _| {})
        .expect("real spectrum fit")
        .remove(0);
    assert!(real.estimates.contents[lip13] > 0.0);
    assert!(real.estimates.contents.iter().all(|c| c.is_finite()));

    // A crude classifier on the NLLS contents, to exercise the scoring: choline above the
    // midpoint of the two derived group means calls HBV-LC-HCC.
    let cho = targets.iter().position(|t| t == "Cho").expect("Cho");
    let (lc, hcc) = (
        derived.groups[0].contents["Cho"].moments().0,
        derived.groups[1].contents["Cho"].moments().0,
    );
    let probabilities: Vec<PatientProbability> = test_fits
        .iter()
        .map(|f| {
            let z = (f.estimates.contents[cho] - 0.5 * (lc + hcc)) / (hcc - lc).abs().max(1e-9);
            PatientProbability {
                patient_id: f.patient_id.clone(),
                probability: 1.0 / (1.0 + (-4.0 * z).exp()),
                probability_sd: f.estimates.crlb[cho] / (hcc - lc).abs().max(1e-9),
                group: truth.patient(&f.patient_id).map(|p| p.group),
            }
        })
        .collect();
    let mut probabilities = probabilities;
    probabilities.push(PatientProbability {
        patient_id: real.patient_id.clone(),
        probability: 0.5,
        probability_sd: 0.5,
        group: None,
    });
    let score = score_classification(&probabilities, &ClassifierConfig::default()).expect("score");
    assert_eq!(score.patient_ids.len(), 17);
    assert_eq!(score.unlabelled_ids, vec!["liver-real".to_string()]);
    let matrix = &score.report.at_threshold.matrix;
    assert_eq!(matrix.true_positives + matrix.false_negatives, 7);
    assert_eq!(matrix.true_negatives + matrix.false_positives, 10);

    // Outputs.
    let out = tempfile::tempdir().expect("temp dir");
    let metrics = StudyMetrics {
        targets: targets.clone(),
        timings: vec![MethodTiming {
            method: "NLLS".to_string(),
            n_spectra: benchmark.indices.len(),
            elapsed_s: benchmark.elapsed_s,
        }],
        comparison: Some(comparison.clone()),
        classification: Some(score.clone()),
        ..StudyMetrics::default()
    };
    write_json(&out.path().join("metrics.json"), &metrics).expect("metrics.json");
    let reread: StudyMetrics = serde_json::from_str(
        &std::fs::read_to_string(out.path().join("metrics.json")).expect("read metrics"),
    )
    .expect("parse metrics");
    assert_eq!(reread.comparison, metrics.comparison);
    write_comparison_csv(&out.path().join("qcnn_vs_nlls.csv"), &comparison).expect("csv");
    test_fits.push(real.clone());
    let rows: Vec<PatientRow> = prior_fits
        .iter()
        .chain(&test_fits)
        .map(|f| PatientRow {
            patient_id: f.patient_id.clone(),
            group: f.group,
            role: f.role,
            quantities: vec![PatientQuantities::from_nlls(f)],
            probability: probabilities
                .iter()
                .find(|p| p.patient_id == f.patient_id)
                .map(|p| (p.probability, p.probability_sd)),
        })
        .collect();
    write_patients_csv(&out.path().join("patients.csv"), &targets, &rows).expect("patients");
    let patients_text =
        std::fs::read_to_string(out.path().join("patients.csv")).expect("read patients");
    assert_eq!(patients_text.lines().count(), 1 + 38);
    let figure = ErrorFigure::from_errors(&[("NLLS", &nlls_errors), ("prior-mean", &naive_errors)])
        .expect("figure");
    let input = ReportInput {
        title: "Virtual liver cohort".to_string(),
        summary: vec![("simulated spectra".to_string(), N_SIMULATED.to_string())],
        example_fits: vec![
            ExampleFit {
                label: prior_fits[0].patient_id.clone(),
                spectra: prior_fits[0].result.spectra.clone(),
            },
            ExampleFit {
                label: real.patient_id.clone(),
                spectra: real.result.spectra.clone(),
            },
        ],
        errors: Some(figure),
        comparison: Some(comparison),
        classification: Some(score),
        probabilities,
        cohort_note: VIRTUAL_COHORT_NOTE.to_string(),
    };
    write_report_html(&out.path().join("report.html"), &input).expect("report");
    let html = std::fs::read_to_string(out.path().join("report.html")).expect("read report");
    assert_eq!(html.matches("<svg").count(), 5);
    assert_eq!(html.matches("</svg>").count(), 5);
}

#[test]
fn water_reference_adds_concentrations() {
    // A 3 T PRESS TE 30 spectrum of the ISMRM 2016 fitting challenge with its water
    // reference; its .RAW files need the frequency and dwell time from cohort.toml.
    let source = crate::support::workspace_root().join("tests/data/fitting-challenge/datasets");
    let dir = tempfile::tempdir().expect("temp dir");
    for name in ["dataset1.RAW", "dataset1.H2O"] {
        std::fs::copy(source.join(name), dir.path().join(name)).expect("copy challenge file");
    }
    let mut csv = String::from("patient_id,file,group,role,water_file\n");
    for (id, group) in [
        ("a", "HBV-LC"),
        ("b", "HBV-LC"),
        ("c", "HBV-LC-HCC"),
        ("d", "HBV-LC-HCC"),
    ] {
        csv.push_str(&format!("{id},dataset1.RAW,{group},prior,dataset1.H2O\n"));
    }
    std::fs::write(dir.path().join("cohort.csv"), csv).expect("write csv");
    std::fs::write(
        dir.path().join("cohort.toml"),
        "spectrometer_frequency_mhz = 123.2\ndwell_time_s = 0.00025\necho_time_ms = 30\n",
    )
    .expect("write toml");
    let cohort = Cohort::load(dir.path()).expect("cohort");
    let truth = CohortTruth::read(&bundled_cohort().join(TRUTH_FILE)).expect("truth");
    let basis = liver_basis(&truth.config).expect("basis");
    let fitter = liver_fitter(basis, LiverModel::SynthesisMatched).expect("fitter");
    let patient = cohort.patient("a").expect("patient a");
    let fits = fit_patients(&fitter, &cohort, &[patient], &truth.targets, |_, _| {})
        .expect("fit with water reference");
    let concentrations = fits[0]
        .concentrations_mmol_per_l
        .as_ref()
        .expect("water scaling applied");
    assert_eq!(concentrations.len(), 20);
    let cr = truth.targets.iter().position(|t| t == "Cr").expect("Cr");
    let cr_mmol_per_l = concentrations[cr].expect("Cr concentration");
    // The challenge spectra hold brain-like creatine (several mmol/L); this basis is not
    // meant for brain, so only the order of magnitude is checked.
    assert!(
        (0.5..50.0).contains(&cr_mmol_per_l),
        "Cr {cr_mmol_per_l} mmol/L"
    );
}

#[test]
fn derive_prior_rejects_bad_template() {
    let template = Prior::read(&template_prior()).expect("template prior");
    let targets = template.targets.clone();

    let mut one_group = template.clone();
    one_group.groups.retain(|g| g.name == "HBV-LC");
    let error = derive_prior(&[], &targets, &one_group, &DeriveOptions::default())
        .expect_err("template without HBV-LC-HCC");
    assert!(
        matches!(error, mrs_study::StudyError::InvalidInput { .. }),
        "{error}"
    );

    let error = derive_prior(&[], &targets[1..], &template, &DeriveOptions::default())
        .expect_err("other targets");
    assert!(
        matches!(error, mrs_study::StudyError::InvalidInput { .. }),
        "{error}"
    );

    // No fits: derive_group needs two patients per group.
    let error =
        derive_prior(&[], &targets, &template, &DeriveOptions::default()).expect_err("no fits");
    assert!(matches!(error, mrs_study::StudyError::Synth(_)), "{error}");
}

#[test]
fn benchmark_rejects_empty_range() {
    let truth = CohortTruth::read(&bundled_cohort().join(TRUTH_FILE)).expect("truth");
    let basis = liver_basis(&truth.config).expect("basis");
    let template = Prior::read(&template_prior()).expect("template prior");
    let synth = Synthesizer::new(&basis, &template, &Representation::default()).expect("synth");
    let fitter = liver_fitter(basis, LiverModel::SynthesisMatched).expect("fitter");
    let error = nlls_benchmark(&fitter, &synth, 1, 5..5, |_, _| {}).expect_err("empty range");
    assert!(
        matches!(error, mrs_study::StudyError::InvalidInput { .. }),
        "{error}"
    );
}

#[test]
fn errors_reject_ragged_rows() {
    let targets = vec!["Cr".to_string(), "Cho".to_string()];
    let config = ErrorConfig::default();
    let short_row = errors_per_target(&targets, &[vec![1.0]], &[vec![1.0, 2.0]], &config)
        .expect_err("one estimate for two targets");
    assert!(
        matches!(short_row, mrs_study::StudyError::InvalidInput { .. }),
        "{short_row}"
    );
    let unequal =
        errors_per_target(&targets, &[vec![1.0, 2.0]], &[], &config).expect_err("no truth rows");
    assert!(
        matches!(unequal, mrs_study::StudyError::InvalidInput { .. }),
        "{unequal}"
    );
}

//! The settings files shipped for the fit example parse into valid fit configurations.

use mrs_fit::files::{read_fit_config, FilesError};
use mrs_fit::FitConfig;
use std::path::Path;

#[test]
fn example_water_settings_parse() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/fit_water.toml");
    let config = read_fit_config(&path).expect("valid settings file");
    let names: Vec<&str> = config
        .water
        .tissues
        .iter()
        .map(|t| t.name.as_str())
        .collect();
    assert_eq!(names, ["GM", "WM", "CSF"]);
    assert!((config.water.metabolite_t2_s - 0.271).abs() < 1e-12);
    // Fields the file leaves out keep the brain defaults.
    assert_eq!(config.baseline, FitConfig::default().baseline);
    let checked = config.check().expect("valid settings");
    // 55 % GM, 35 % WM and 10 % CSF at TE 35 ms.
    let water = checked.water.visible_water_mm(0.035);
    let expected: f64 = [(0.55, 0.78, 0.110), (0.35, 0.65, 0.080), (0.10, 0.97, 2.55)]
        .iter()
        .map(|(f, c, t2)| f * c * 1e6 / 18.015 * (-0.035f64 / t2).exp())
        .sum();
    assert!(
        (water - expected).abs() < 1e-9 * expected,
        "{water} vs {expected}"
    );
}

#[test]
fn example_lineshape_settings_parse() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let config = read_fit_config(&root.join("examples/fit_lineshape.toml")).expect("valid file");
    let water = read_fit_config(&root.join("examples/fit_water.toml")).expect("valid file");
    // The same water scaling, plus the free-form lineshape.
    assert_eq!(config.water, water.water);
    let lineshape = config.lineshape.clone().expect("lineshape set");
    assert!((lineshape.half_width_hz - 6.0).abs() < 1e-12);
    assert!((lineshape.step_hz - 1.0).abs() < 1e-12);
    assert!((lineshape.curvature_sd - 0.005).abs() < 1e-12);
    config.check().expect("valid settings");
}

#[test]
fn unknown_settings_are_rejected() {
    // A misspelt section must not silently fall back to the defaults.
    let dir = tempfile::tempdir().expect("temporary folder");
    let path = dir.path().join("settings.toml");
    std::fs::write(&path, "[watr]\nmetabolite_t2_s = 0.2\n").expect("write settings");
    match read_fit_config(&path) {
        Err(FilesError::Settings {
            path: reported,
            source,
        }) => {
            assert_eq!(reported, path);
            assert!(source.to_string().contains("watr"), "{source}");
        }
        other => panic!("expected a settings error, got {other:?}"),
    }
}

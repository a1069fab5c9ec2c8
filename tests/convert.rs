//! Conversion of vendor files to NIfTI-MRS, checked against spec2nii and the official validator.
//!
//! The comparison with spec2nii runs when `MRSKIT_PYTHON` names a Python with spec2nii and
//! nifti-mrs installed, as `scripts/test.sh` sets up. Without it, those checks print that they
//! were skipped, and the comparison with the committed spec2nii goldens still runs.

use mrskit::io::{nifti, read_any, write_signal, Contents, ReadOptions};
use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn convert(input: &Path, output: &Path) {
    let loaded = read_any(input, &ReadOptions::default()).expect("readable input");
    let Contents::Signal(data) = loaded.contents else {
        panic!("{} is not a signal", input.display());
    };
    write_signal(output, &data).expect("writable output");
}

/// Stored samples of the first FID in a spec2nii golden file (NIfTI-MRS convention).
fn golden_samples(name: &str) -> Vec<(f64, f64)> {
    let path = root().join("tests/data/golden/spec2nii").join(name);
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&path).expect("golden file")).expect("JSON");
    let fid = &json["fids"][0];
    let parts = |key: &str| -> Vec<f64> {
        fid[key]
            .as_array()
            .expect("sample list")
            .iter()
            .map(|v| v.as_f64().expect("number"))
            .collect()
    };
    parts("re").into_iter().zip(parts("im")).collect()
}

fn check_against_golden(output: &Path, golden: &str) {
    let written = nifti::read(output, &ReadOptions::default()).expect("readable NIfTI-MRS");
    let stored: Vec<_> = written.data.iter().copied().collect();
    let expected = golden_samples(golden);
    assert_eq!(stored.len(), expected.len(), "{golden}: point count");
    let scale = expected
        .iter()
        .map(|(re, im)| re.hypot(*im))
        .fold(0.0, f64::max);
    // The written file is complex64: each part agrees to float32 rounding of the largest value.
    let tolerance = scale * f64::from(f32::EPSILON);
    for (i, (ours, (re, im))) in stored.iter().zip(&expected).enumerate() {
        assert!(
            (ours.re - re).abs() <= tolerance,
            "{golden} sample {i}: {ours} vs {re}"
        );
        assert!(
            (ours.im - im).abs() <= tolerance,
            "{golden} sample {i}: {ours} vs {im}"
        );
    }
}

fn check_with_spec2nii(output: &Path, subcommand: &str, inputs: &[PathBuf]) {
    let Some(python) = std::env::var_os("MRSKIT_PYTHON") else {
        eprintln!("skipped spec2nii comparison: MRSKIT_PYTHON is not set (see scripts/setup.sh)");
        return;
    };
    let script = root().join("tests/reference/compare_with_spec2nii.py");
    let result = Command::new(python)
        .arg(&script)
        .arg(output)
        .arg(subcommand)
        .args(inputs)
        .output()
        .expect("python starts");
    assert!(
        result.status.success(),
        "spec2nii comparison failed:\n{}{}",
        String::from_utf8_lossy(&result.stdout),
        String::from_utf8_lossy(&result.stderr)
    );
    eprint!("{}", String::from_utf8_lossy(&result.stdout));
}

#[test]
fn siemens_rda_converts_like_spec2nii() {
    let dir = tempfile::tempdir().expect("temp dir");
    let input = root().join("tests/data/siemens/SVS_30.rda");
    let output = dir.path().join("svs_30.nii.gz");
    convert(&input, &output);
    check_against_golden(&output, "siemens_svs_30_rda.json");
    check_with_spec2nii(&output, "rda", &[input]);
}

#[test]
fn philips_sdat_converts_like_spec2nii() {
    let dir = tempfile::tempdir().expect("temp dir");
    let input = root().join("tests/data/philips/sub-01_PRESS_35_act.sdat");
    let spar = root().join("tests/data/philips/sub-01_PRESS_35_act.spar");
    let output = dir.path().join("sub-01.nii.gz");
    convert(&input, &output);
    check_against_golden(&output, "philips_sub01_act_sdat.json");
    check_with_spec2nii(&output, "philips", &[input, spar]);
}

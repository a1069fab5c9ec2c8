//! Checks written NIfTI-MRS files with the official validator of the `nifti-mrs` Python
//! package, and that nibabel and nifti_mrs load the written samples.
//!
//! Runs only when `MRSKIT_PYTHON` names a Python with `nifti-mrs` (tested with 1.4.1),
//! `nibabel` and `numpy`; otherwise it prints that it was skipped.

use mrs_core::{Acquisition, DimTag, MrsData};
use mrs_io::nifti::{self, ComplexType, NiftiVersion, WriteOptions};
use ndarray::{ArrayD, Dimension, IxDyn};
use num_complex::Complex64;
use serde_json::{json, Map, Value};
use std::f64::consts::PI;
use std::path::{Path, PathBuf};
use std::process::Command;

fn data_with(shape: &[usize], dims: Vec<DimTag>) -> MrsData {
    let mut acquisition = Acquisition::new(0.00025, 123.2).expect("acquisition");
    acquisition.echo_time_s = Some(0.03);
    let samples = ArrayD::from_shape_fn(IxDyn(shape), |index| {
        let n = index[0] as f64;
        let offset_hz = 50.0 + 10.0 * index.slice()[1..].iter().sum::<usize>() as f64;
        Complex64::from_polar((-n * 0.004).exp(), 2.0 * PI * offset_hz * n * 0.00025 + 0.2)
    });
    MrsData::new(samples, dims, acquisition).expect("data")
}

/// Writes the companion files the Python script compares against.
fn write_expected(path: &Path, file: &nifti::NiftiMrs, dims: &[DimTag], data: &MrsData) {
    let mut bin = Vec::new();
    for value in file.data.t().iter() {
        bin.extend_from_slice(&value.re.to_le_bytes());
        bin.extend_from_slice(&value.im.to_le_bytes());
    }
    std::fs::write(format!("{}.expected.bin", path.display()), bin).expect("expected.bin");
    let mut core = Vec::new();
    for value in data.samples().t().iter() {
        core.extend_from_slice(&value.re.to_le_bytes());
        core.extend_from_slice(&value.im.to_le_bytes());
    }
    std::fs::write(format!("{}.mrs_core.bin", path.display()), core).expect("mrs_core.bin");
    let tags: Vec<&str> = dims.iter().map(|t| t.as_str()).collect();
    let expected = json!({
        "shape": file.data.shape(),
        "dim_tags": tags,
        "dwell_time_s": data.acquisition().dwell_time_s,
        "spectrometer_frequency_mhz": data.acquisition().spectrometer_frequency_mhz,
    });
    std::fs::write(
        format!("{}.expected.json", path.display()),
        expected.to_string(),
    )
    .expect("expected.json");
}

#[test]
fn written_files_pass_official_validator() {
    let Some(python) = std::env::var_os("MRSKIT_PYTHON") else {
        println!("skipped: set MRSKIT_PYTHON to a python with nifti-mrs to run the validator");
        return;
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let extra: Map<String, Value> = serde_json::from_value(json!({
        "Manufacturer": "mrskit",
        "dim_5_info": "receive coils",
        "LiverVoxel": {"Value": "segment 7", "Description": "Liver segment of the voxel."}
    }))
    .expect("extra JSON");
    let cases: Vec<(&str, Vec<usize>, Vec<DimTag>)> = vec![
        ("coil_dyn", vec![512, 4, 3], vec![DimTag::Coil, DimTag::Dyn]),
        ("single", vec![1024], Vec::new()),
        (
            "coil_dyn_edit",
            vec![256, 2, 3, 2],
            vec![DimTag::Coil, DimTag::Dyn, DimTag::Edit],
        ),
    ];

    let mut paths: Vec<PathBuf> = Vec::new();
    for (name, shape, dims) in &cases {
        let data = data_with(shape, dims.clone());
        for nifti_version in [NiftiVersion::Nifti1, NiftiVersion::Nifti2] {
            for datatype in [ComplexType::Complex64, ComplexType::Complex128] {
                for extension in ["nii", "nii.gz"] {
                    let options = WriteOptions {
                        nifti_version,
                        datatype,
                    };
                    let extra = (!dims.is_empty()).then_some(&extra);
                    let file_name = format!("{name}_{nifti_version:?}_{datatype:?}.{extension}");
                    let path = dir.path().join(file_name);
                    nifti::write(&path, &data, extra, &options).expect("write");
                    let file = nifti::read(&path, &mrs_io::ReadOptions::default()).expect("read");
                    write_expected(&path, &file, dims, &data);
                    paths.push(path);
                }
            }
        }
    }

    let script =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/reference/validate_nifti_mrs.py");
    let output = Command::new(&python)
        .arg(&script)
        .args(&paths)
        .output()
        .expect("run MRSKIT_PYTHON");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "validator failed ({}):\n{stdout}\n{stderr}",
        output.status
    );
    assert_eq!(
        stdout.lines().filter(|l| l.starts_with("valid: ")).count(),
        paths.len()
    );
}

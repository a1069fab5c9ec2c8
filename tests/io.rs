//! Workspace tests of the I/O layer through its one entry point: format detection, the same FID
//! in three formats, and a +100 Hz line through every writable format.

use mrskit::core::{Acquisition, DimTag, Fid, MrsData};
use mrskit::io::{detect, read_any, write_signal, Contents, ErrorKind, Format, ReadOptions};
use num_complex::Complex64;
use std::f64::consts::PI;
use std::path::{Path, PathBuf};

fn data_path(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(relative)
}

fn signal(path: &Path, options: &ReadOptions) -> MrsData {
    match read_any(path, options).expect("readable").contents {
        Contents::Signal(data) => data,
        other => panic!("{} is not a signal: {other:?}", path.display()),
    }
}

#[test]
fn detection_matches_every_bundled_format() {
    let cases = [
        ("nifti-mrs/metab.nii.gz", Format::NiftiMrs),
        ("cross-format/metab.nii", Format::NiftiMrs),
        ("cross-format/metab.RAW", Format::LcmodelRaw),
        ("cross-format/metab_jmrui.txt", Format::JmruiText),
        ("lcmodel-test/3t.basis", Format::LcmodelBasis),
        ("liver/liver.COORD", Format::LcmodelCoord),
        ("lcmodel-outputs/svs_97.TABLE", Format::LcmodelTable),
        ("siemens/SVS_30.rda", Format::SiemensRda),
        ("siemens/SVS_30.IMA", Format::SiemensDicom),
        ("siemens/SVS_XA60.dcm", Format::SiemensDicom),
        ("philips/sub-01_PRESS_35_act.sdat", Format::PhilipsSdat),
        ("philips/sub-01_PRESS_35_act.spar", Format::PhilipsSdat),
        ("philips/philips_short_te_svs.dcm", Format::PhilipsDicom),
    ];
    for (file, expected) in cases {
        let found = detect(&data_path(file)).expect("detectable");
        assert_eq!(found, expected, "{file}");
    }
}

#[test]
fn unknown_content_names_the_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("noise.bin");
    std::fs::write(&path, [0u8, 1, 2, 3, 250, 251, 252]).expect("write");
    let error = read_any(&path, &ReadOptions::default()).expect_err("unknown format");
    assert!(matches!(error.kind, ErrorKind::UnknownFormat { .. }));
    assert_eq!(error.path, path);
}

#[test]
fn cross_format_files_hold_one_fid() {
    let options = ReadOptions::default();
    let nifti = signal(&data_path("cross-format/metab.nii"), &options)
        .to_fid()
        .expect("one FID");
    let jmrui = signal(&data_path("cross-format/metab_jmrui.txt"), &options)
        .to_fid()
        .expect("one FID");
    let raw = signal(
        &data_path("cross-format/metab.RAW"),
        &ReadOptions {
            dwell_time_s: Some(nifti.acquisition().dwell_time_s),
            ..ReadOptions::default()
        },
    )
    .to_fid()
    .expect("one FID");
    assert_eq!(nifti.n_points(), 4096);
    assert_eq!(jmrui.n_points(), 4096);
    assert_eq!(raw.n_points(), 4096);
    let scale = nifti.samples().iter().map(|c| c.norm()).fold(0.0, f64::max);
    // The text files print 7 significant digits: agreement to 1e-6 of the largest sample.
    let tolerance = 1e-6 * scale;
    for (i, ((a, b), c)) in nifti
        .samples()
        .iter()
        .zip(jmrui.samples())
        .zip(raw.samples())
        .enumerate()
    {
        assert!((a - b).norm() <= tolerance, "jMRUI sample {i}: {a} vs {b}");
        assert!((a - c).norm() <= tolerance, "RAW sample {i}: {a} vs {c}");
    }
    for fid in [&jmrui, &raw] {
        let relative = (fid.acquisition().spectrometer_frequency_mhz
            - nifti.acquisition().spectrometer_frequency_mhz)
            .abs()
            / nifti.acquisition().spectrometer_frequency_mhz;
        assert!(relative < 1e-6);
    }
}

const DWELL_S: f64 = 0.0005;
const FREQUENCY_MHZ: f64 = 123.2;
const N_POINTS: usize = 1024;

fn line_at_100_hz() -> MrsData {
    let samples = (0..N_POINTS)
        .map(|n| {
            let t = n as f64 * DWELL_S;
            Complex64::from_polar((-t / 0.08).exp(), 2.0 * PI * 100.0 * t)
        })
        .collect();
    let mut acquisition = Acquisition::new(DWELL_S, FREQUENCY_MHZ).expect("valid");
    acquisition.echo_time_s = Some(0.03);
    MrsData::from_fid(Fid::new(samples, acquisition).expect("finite"))
}

fn peak_hz_and_ppm(fid: &Fid) -> (f64, f64) {
    let spectrum = fid.to_spectrum();
    let values = spectrum.values();
    let peak = (0..values.len())
        .max_by(|&a, &b| values[a].norm().total_cmp(&values[b].norm()))
        .expect("non-empty");
    (
        spectrum.frequency_axis_hz()[peak],
        spectrum.ppm_axis()[peak],
    )
}

#[test]
fn line_at_100_hz_survives_writers() {
    let dir = tempfile::tempdir().expect("temp dir");
    let original = line_at_100_hz();
    // A peak found by its maximum is within half a point: 0.98 Hz at 2000 Hz over 1024 points.
    let half_point_hz = 0.5 / (N_POINTS as f64 * DWELL_S);
    let options = ReadOptions {
        dwell_time_s: Some(DWELL_S),
        ..ReadOptions::default()
    };
    for name in ["line.nii", "line.nii.gz", "line.RAW", "line.txt"] {
        let path = dir.path().join(name);
        write_signal(&path, &original).expect("writable");
        let mut fid = signal(&path, &options).to_fid().expect("one FID");
        let (hz, ppm) = peak_hz_and_ppm(&fid);
        assert!(
            (hz - 100.0).abs() <= half_point_hz,
            "{name}: peak at {hz} Hz"
        );
        assert!((ppm - (4.65 + 100.0 / FREQUENCY_MHZ)).abs() <= half_point_hz / FREQUENCY_MHZ);

        // Processing keeps the line where physics puts it.
        fid.zero_fill_mut(4 * N_POINTS).expect("longer");
        fid.phase0_mut(0.7);
        let (hz, _) = peak_hz_and_ppm(&fid);
        assert!(
            (hz - 100.0).abs() <= half_point_hz / 4.0,
            "{name}: after zero-fill {hz} Hz"
        );
        fid.shift_frequency_mut(-40.0);
        let (hz, _) = peak_hz_and_ppm(&fid);
        assert!(
            (hz - 60.0).abs() <= half_point_hz / 4.0,
            "{name}: after shift {hz} Hz"
        );
    }
}

#[test]
fn coil_and_average_dimensions_survive_nifti() {
    let dir = tempfile::tempdir().expect("temp dir");
    let raw = signal(
        &data_path("nifti-mrs/metab_raw.nii.gz"),
        &ReadOptions::default(),
    );
    assert_eq!(raw.dim_size(DimTag::Coil), Some(4));
    assert_eq!(raw.dim_size(DimTag::Dyn), Some(16));
    let path = dir.path().join("copy.nii.gz");
    write_signal(&path, &raw).expect("writable");
    let back = signal(&path, &ReadOptions::default());
    assert_eq!(back.shape(), raw.shape());
    assert_eq!(back.dims(), raw.dims());
}

/// Expected `info` values of one bundled file: format, points, dwell time (s), spectrometer
/// frequency (MHz), echo time (s) and dimensions, as the file headers state them (cross-checked
/// with spec2nii 0.8.15 and nibabel 5.4.2 in the mrs-io tests).
struct Expected {
    file: &'static str,
    format: Format,
    n_points: usize,
    dwell_time_s: f64,
    frequency_mhz: f64,
    echo_time_s: Option<f64>,
    dims: &'static [(&'static str, usize)],
}

#[rustfmt::skip] // One row per file reads as a table.
const BUNDLED: &[Expected] = &[
    Expected { file: "siemens/SVS_30.rda", format: Format::SiemensRda, n_points: 1024, dwell_time_s: 833e-6, frequency_mhz: 123.234655, echo_time_s: Some(0.03), dims: &[] },
    Expected { file: "siemens/SVS_30.IMA", format: Format::SiemensDicom, n_points: 1024, dwell_time_s: 833.4e-6, frequency_mhz: 123.234655, echo_time_s: Some(0.03), dims: &[] },
    Expected { file: "siemens/SVS_XA60.dcm", format: Format::SiemensDicom, n_points: 1024, dwell_time_s: 833.4e-6, frequency_mhz: 123.255089, echo_time_s: Some(0.03), dims: &[] },
    Expected { file: "philips/sub-01_PRESS_35_act.sdat", format: Format::PhilipsSdat, n_points: 2048, dwell_time_s: 0.0005, frequency_mhz: 127.750896, echo_time_s: Some(0.035), dims: &[] },
    Expected { file: "philips/sub-02_PRESS_35_ref.sdat", format: Format::PhilipsSdat, n_points: 2048, dwell_time_s: 0.0005, frequency_mhz: 127.75069, echo_time_s: Some(0.035), dims: &[] },
    Expected { file: "philips/philips_short_te_svs.dcm", format: Format::PhilipsDicom, n_points: 1024, dwell_time_s: 0.001, frequency_mhz: 63.89575, echo_time_s: Some(0.0319136), dims: &[] },
    Expected { file: "nifti-mrs/metab.nii.gz", format: Format::NiftiMrs, n_points: 4095, dwell_time_s: 83.3e-6, frequency_mhz: 297.219948, echo_time_s: Some(0.011), dims: &[] },
    Expected { file: "nifti-mrs/metab_raw.nii.gz", format: Format::NiftiMrs, n_points: 4096, dwell_time_s: 83.3e-6, frequency_mhz: 297.219948, echo_time_s: Some(0.011), dims: &[("DIM_COIL", 4), ("DIM_DYN", 16)] },
    Expected { file: "nifti-mrs/wref_raw.nii.gz", format: Format::NiftiMrs, n_points: 4096, dwell_time_s: 83.3e-6, frequency_mhz: 297.219948, echo_time_s: Some(0.011), dims: &[("DIM_COIL", 4), ("DIM_DYN", 2)] },
    Expected { file: "cross-format/metab.nii", format: Format::NiftiMrs, n_points: 4096, dwell_time_s: 83.3e-6, frequency_mhz: 297.219948, echo_time_s: None, dims: &[] },
    Expected { file: "cross-format/metab_jmrui.txt", format: Format::JmruiText, n_points: 4096, dwell_time_s: 83.3e-6, frequency_mhz: 297.219948, echo_time_s: None, dims: &[] },
    Expected { file: "cross-format/metab.RAW", format: Format::LcmodelRaw, n_points: 4096, dwell_time_s: 83e-6, frequency_mhz: 297.219948, echo_time_s: Some(0.05), dims: &[] },
    Expected { file: "lcmodel-test/data.raw", format: Format::LcmodelRaw, n_points: 1024, dwell_time_s: 0.0005, frequency_mhz: 127.786142, echo_time_s: None, dims: &[] },
    Expected { file: "lcmodel-test/3t.basis", format: Format::LcmodelBasis, n_points: 1024, dwell_time_s: 0.0005, frequency_mhz: 127.7861, echo_time_s: None, dims: &[("entries", 17)] },
    Expected { file: "fitting-challenge/basis/press3T_30ms.BASIS", format: Format::LcmodelBasis, n_points: 4096, dwell_time_s: 0.00025, frequency_mhz: 123.261703, echo_time_s: None, dims: &[("entries", 21)] },
    Expected { file: "basis-osprey/3T_PRESS_Philips_35ms_noMM.BASIS", format: Format::LcmodelBasis, n_points: 8192, dwell_time_s: 0.00025, frequency_mhz: 127.731, echo_time_s: Some(0.035), dims: &[("entries", 17)] },
    Expected { file: "liver/liver.COORD", format: Format::LcmodelCoord, n_points: 821, dwell_time_s: 833e-6, frequency_mhz: 123.23, echo_time_s: Some(0.035), dims: &[] },
    Expected { file: "lcmodel-outputs/svs_97.COORD", format: Format::LcmodelCoord, n_points: 799, dwell_time_s: 833e-6, frequency_mhz: 123.226103, echo_time_s: None, dims: &[] },
];

/// Relative tolerance for header values: float32 storage (NIfTI-1 pixdim, DICOM FL) keeps
/// about 7 significant digits.
const HEADER_RELATIVE_TOLERANCE: f64 = 1e-6;

fn close(actual: f64, expected: f64) -> bool {
    (actual - expected).abs() <= HEADER_RELATIVE_TOLERANCE * expected.abs()
}

#[test]
fn summaries_of_bundled_files() {
    for expected in BUNDLED {
        let loaded = read_any(&data_path(expected.file), &ReadOptions::default())
            .unwrap_or_else(|e| panic!("{}: {e}", expected.file));
        let summary = loaded.summary();
        let name = expected.file;
        assert_eq!(loaded.format, expected.format, "{name}");
        assert_eq!(summary.n_points, expected.n_points, "{name}");
        let dwell = summary.dwell_time_s.expect("dwell time known");
        assert!(close(dwell, expected.dwell_time_s), "{name}: dwell {dwell}");
        let frequency = summary.spectrometer_frequency_mhz.expect("frequency known");
        assert!(
            close(frequency, expected.frequency_mhz),
            "{name}: {frequency} MHz"
        );
        match (summary.echo_time_s, expected.echo_time_s) {
            (Some(actual), Some(wanted)) => assert!(close(actual, wanted), "{name}: TE {actual}"),
            (None, None) => {}
            (actual, wanted) => panic!("{name}: TE {actual:?}, expected {wanted:?}"),
        }
        let dims: Vec<(&str, usize)> = summary.dims.iter().map(|(n, s)| (n.as_str(), *s)).collect();
        assert_eq!(dims, expected.dims, "{name}");
    }
}

#[test]
fn raw_takes_missing_values_from_control_file() {
    let loaded = read_any(&data_path("lcmodel-test/data.raw"), &ReadOptions::default())
        .expect("control.file names data.raw");
    let summary = loaded.summary();
    assert_eq!(summary.dwell_time_s, Some(5e-4));
    assert_eq!(summary.spectrometer_frequency_mhz, Some(127.786142));
}

#[test]
fn raw_without_values_names_missing_fields() {
    let error = read_any(
        &data_path("fitting-challenge/datasets/dataset1.RAW"),
        &ReadOptions::default(),
    )
    .expect_err("no frequency or dwell time anywhere");
    assert!(
        matches!(error.kind, ErrorKind::MissingField { .. }),
        "{error}"
    );
    let message = error.to_string();
    assert!(message.contains("HZPPPM"), "{message}");
    assert!(message.contains("dataset1.RAW"), "{message}");
}

#[test]
fn basis_set_round_trips_through_nifti() {
    let dir = tempfile::tempdir().expect("temp dir");
    let Contents::Basis(original) =
        read_any(&data_path("lcmodel-test/3t.basis"), &ReadOptions::default())
            .expect("readable basis")
            .contents
    else {
        panic!("3t.basis is not read as a basis set");
    };
    for name in ["basis.nii", "basis.nii.gz"] {
        let path = dir.path().join(name);
        let options = mrskit::io::nifti::WriteOptions {
            datatype: mrskit::io::nifti::ComplexType::Complex128,
            ..Default::default()
        };
        mrskit::io::nifti::write_basis(&path, &original, &options).expect("writable");
        let loaded = read_any(&path, &ReadOptions::default()).expect("readable");
        let Contents::Basis(back) = loaded.contents else {
            panic!("{name} is not read back as a basis set");
        };
        assert_eq!(back.names(), original.names(), "{name}");
        assert_eq!(back.n_points(), original.n_points(), "{name}");
        for (a, b) in original.entries().iter().zip(back.entries()) {
            // complex128 storage keeps every bit.
            assert_eq!(a.fid, b.fid, "{name}: entry {}", a.name);
        }
        assert!(back
            .acquisition
            .check_compatible(&original.acquisition)
            .is_ok());
    }
}

#[test]
fn basis_nifti_passes_validator() {
    let Some(python) = std::env::var_os("MRSKIT_PYTHON") else {
        eprintln!("skipped basis validation: MRSKIT_PYTHON is not set (see scripts/setup.sh)");
        return;
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let Contents::Basis(basis) =
        read_any(&data_path("lcmodel-test/3t.basis"), &ReadOptions::default())
            .expect("readable basis")
            .contents
    else {
        panic!("3t.basis is not read as a basis set");
    };
    let path = dir.path().join("basis.nii.gz");
    mrskit::io::nifti::write_basis(&path, &basis, &Default::default()).expect("writable");
    let script = "import sys\nfrom nifti_mrs.nifti_mrs import NIFTI_MRS\nfrom nifti_mrs import validator\nvalidator.validate_nifti_mrs(NIFTI_MRS(sys.argv[1]))\n";
    let result = std::process::Command::new(python)
        .args(["-c", script])
        .arg(&path)
        .output()
        .expect("python starts");
    assert!(
        result.status.success(),
        "validator rejected the basis file:\n{}",
        String::from_utf8_lossy(&result.stderr)
    );
}

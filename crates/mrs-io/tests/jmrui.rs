//! jMRUI text reading and writing against the real export in `tests/data/cross-format`.
//!
//! The same processed 7 T sLASER FID is stored there as jMRUI text and as NIfTI-1 complex128
//! (`metab.nii` with its `metab.json` sidecar). Values printed by nibabel 5.4.2 are in
//! `tests/reference/nifti_reference.txt`.

use mrs_core::{Acquisition, DimTag, Fid, MrsData, Nucleus};
use mrs_io::{jmrui, nifti, ErrorKind, IoError, ReadOptions};
use ndarray::{ArrayD, Dimension, IxDyn};
use num_complex::Complex64;
use std::f64::consts::PI;
use std::path::{Path, PathBuf};

fn data_path(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/data")
        .join(relative)
}

fn read_export() -> jmrui::JmruiText {
    jmrui::read(
        &data_path("cross-format/metab_jmrui.txt"),
        &ReadOptions::default(),
    )
    .expect("read jMRUI export")
}

fn kind_of<T: std::fmt::Debug>(result: Result<T, IoError>) -> ErrorKind {
    result.expect_err("expected an error").kind
}

fn parse_kind(text: &str) -> ErrorKind {
    kind_of(jmrui::parse(
        text.as_bytes(),
        Path::new("test.txt"),
        &ReadOptions::default(),
    ))
}

fn assert_same_bits(actual: Complex64, expected: (f64, f64)) {
    assert_eq!(
        actual.re.to_bits(),
        expected.0.to_bits(),
        "real part {actual}"
    );
    assert_eq!(
        actual.im.to_bits(),
        expected.1.to_bits(),
        "imaginary part {actual}"
    );
}

fn tallest_peak_ppm(fid: &Fid, low_ppm: f64, high_ppm: f64) -> f64 {
    let spectrum = fid.to_spectrum();
    let ppm = spectrum.ppm_axis();
    let (index, _) = spectrum
        .values()
        .iter()
        .enumerate()
        .filter(|(i, _)| ppm[*i] > low_ppm && ppm[*i] < high_ppm)
        .max_by(|a, b| a.1.norm().total_cmp(&b.1.norm()))
        .expect("points in range");
    ppm[index]
}

#[test]
fn export_header_values() {
    let file = read_export();
    assert_eq!(file.n_points(), 4096);
    assert_eq!(file.n_signals(), 1);
    assert_eq!(file.sampling_interval_ms, Some(0.0833));
    assert_eq!(file.transmitter_frequency, Some(297_219_948.0));
    assert_eq!(file.magnetic_field_t, Some(6.98));
    assert_eq!(file.header_value("AdditionalInfo"), Some("none"));
    assert!(file
        .header_value("Filename")
        .is_some_and(|name| name.ends_with("voxel1/metab.txt")));
    let keys: Vec<&str> = file.header.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        keys,
        [
            "Filename",
            "PointsInDataset",
            "SamplingInterval",
            "TransmitterFrequency",
            "MagneticField",
            "AdditionalInfo",
            "DatasetsInFile"
        ]
    );
    // 297.219948 MHz / 6.98 T = 42.58 MHz/T: 1H.
    assert_eq!(file.nucleus(), Nucleus::H1);
}

#[test]
fn export_converts_as_stored() {
    let data = read_export().to_mrs_data().expect("convert");
    assert_eq!(data.shape(), &[4096]);
    let acquisition = data.acquisition();
    assert_eq!(
        acquisition.dwell_time_s.to_bits(),
        (0.0833_f64 * 1e-3).to_bits()
    );
    assert_eq!(
        acquisition.spectrometer_frequency_mhz.to_bits(),
        (297_219_948.0_f64 / 1e6).to_bits()
    );
    assert_eq!(
        acquisition.reference_shift_ppm.to_bits(),
        4.65_f64.to_bits()
    );
    assert_eq!(acquisition.echo_time_s, None);
    assert_same_bits(data.samples()[[0]], (5.22711e-05, -2.225755e-05));
    assert_same_bits(data.samples()[[4095]], (0.0, 1.058791e-21));
}

#[test]
fn export_matches_nifti_samples() {
    let jmrui_data = read_export().to_mrs_data().expect("jMRUI");
    let nifti_data = nifti::read(
        &data_path("cross-format/metab.nii"),
        &ReadOptions::default(),
    )
    .and_then(|f| f.to_mrs_data())
    .expect("NIfTI");
    assert_eq!(jmrui_data.shape(), nifti_data.shape());
    jmrui_data
        .acquisition()
        .check_compatible(nifti_data.acquisition())
        .expect("same sampling");
    // The text has 7 significant digits (`%e`), so each part is within half a unit of the
    // 6th decimal of its mantissa: 5e-7 of its magnitude.
    for (index, (text, binary)) in jmrui_data
        .samples()
        .iter()
        .zip(nifti_data.samples())
        .enumerate()
    {
        for (a, b) in [(text.re, binary.re), (text.im, binary.im)] {
            assert!(
                (a - b).abs() <= 5.0e-7 * b.abs() * (1.0 + 1e-9),
                "sample {index}: text {a}, NIfTI {b}"
            );
        }
    }
}

#[test]
fn export_naa_at_2_01_ppm() {
    let fid = read_export()
        .to_mrs_data()
        .and_then(|d| {
            d.to_fid()
                .map_err(|e| IoError::new("export", ErrorKind::Core(e)))
        })
        .expect("FID");
    let peak = tallest_peak_ppm(&fid, 1.5, 4.2);
    // Five points of 0.0099 ppm (2.93 Hz at 297.2 MHz) cover the NAA line width.
    assert!((peak - 2.01).abs() < 0.05, "NAA at {peak} ppm");
}

#[test]
fn reference_shift_from_options() {
    let options = ReadOptions {
        reference_shift_ppm: Some(4.7),
        echo_time_s: Some(0.026),
        ..ReadOptions::default()
    };
    let path = data_path("cross-format/metab_jmrui.txt");
    let data = jmrui::read(&path, &options)
        .and_then(|f| f.to_mrs_data())
        .expect("convert");
    assert_eq!(
        data.acquisition().reference_shift_ppm.to_bits(),
        4.7_f64.to_bits()
    );
    assert_eq!(data.acquisition().echo_time_s, Some(0.026));
}

const OLD_STYLE: &str = "jMRUI Data Textfile\n\
\n\
Filename: old.txt\n\
\n\
PointsInDataset: 3\n\
DatasetsInFile: 2\n\
SamplingInterval: 5.0E-1\n\
ZeroOrderPhase: 0.0E0\n\
BeginTime: 0.0E0\n\
TransmitterFrequency: 1.232E8\n\
MagneticField: 2.89E0\n\
TypeOfNucleus: 1.0E0\n\
NameOfPatient: \n\
\n\
Signal and FFT\n\
sig(real)\tsig(imag)\tfft(real)\tfft(imag)\n\
Signal number: 1 out of 2 in file\n\
1.0\t-2.0\t9\t9\n\
3.0\t-4.0\t9\t9\n\
5.0\t-6.0\t9\t9\n\
Signal number: 2 out of 2 in file\n\
7.0\t-8.0\t9\t9\n\
9.0\t-10.0\t9\t9\n\
11.0\t-12.0\t9\t9\n";

#[test]
fn old_marker_and_four_columns() {
    let file = jmrui::parse(
        OLD_STYLE.as_bytes(),
        Path::new("old.txt"),
        &ReadOptions::default(),
    )
    .expect("parse");
    assert_eq!(file.n_points(), 3);
    assert_eq!(file.n_signals(), 2);
    assert_eq!(file.header_value("NameOfPatient"), None);
    assert_eq!(file.nucleus(), Nucleus::H1);
    let data = file.to_mrs_data().expect("convert");
    assert_eq!(data.shape(), &[3, 2]);
    assert_eq!(data.dims(), [DimTag::User0]);
    assert_eq!(
        data.acquisition().dwell_time_s.to_bits(),
        0.0005_f64.to_bits()
    );
    assert_same_bits(data.samples()[[1, 0]], (3.0, -4.0));
    assert_same_bits(data.samples()[[2, 1]], (11.0, -12.0));
}

fn synthetic(shape: &[usize], dims: Vec<DimTag>, offset_hz: f64) -> MrsData {
    let acquisition = Acquisition::new(1.0 / 2000.0, 123.2).expect("acquisition");
    let dt = acquisition.dwell_time_s;
    let samples = ArrayD::from_shape_fn(IxDyn(shape), |index| {
        let n = index[0] as f64;
        let amplitude = 1.0 + index.slice()[1..].iter().sum::<usize>() as f64 * 0.25;
        amplitude
            * Complex64::from_polar(
                (-PI * 5.0 * n * dt).exp(),
                2.0 * PI * offset_hz * n * dt + 0.3,
            )
    });
    MrsData::new(samples, dims, acquisition).expect("synthetic data")
}

#[test]
fn round_trip_exact() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("signals.txt");
    let data = synthetic(&[256, 3], vec![DimTag::Dyn], 40.0);
    jmrui::write(&path, &data).expect("write");
    let file = jmrui::read(&path, &ReadOptions::default()).expect("read");
    assert_eq!(file.header_value("Filename"), Some("signals.txt"));
    assert_eq!(file.header_value("NucleusName"), Some("1H"));
    let back = file.to_mrs_data().expect("convert");
    assert_eq!(back.shape(), &[256, 3]);
    assert_eq!(back.dims(), [DimTag::User0]);
    // Shortest round-trip notation gives back every bit.
    for (written, read) in data.samples().iter().zip(back.samples()) {
        assert_same_bits(*read, (written.re, written.im));
    }
    let acquisition = back.acquisition();
    assert!((acquisition.dwell_time_s / 0.0005 - 1.0).abs() < 1e-15);
    assert!((acquisition.spectrometer_frequency_mhz / 123.2 - 1.0).abs() < 1e-15);
    assert_eq!(acquisition.nucleus, Nucleus::H1);

    let again = dir.path().join("again.txt");
    file.write(&again).expect("rewrite");
    let first = std::fs::read(&path).expect("first");
    let second = std::fs::read(&again).expect("second");
    assert!(first == second, "rewritten file differs");
}

#[test]
fn export_rewrite_keeps_header() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = read_export();
    let path = dir.path().join("copy.txt");
    file.write(&path).expect("write");
    let copy = jmrui::read(&path, &ReadOptions::default()).expect("read");
    assert_eq!(copy.header, file.header);
    assert!(copy.signals == file.signals, "samples changed");
}

#[test]
fn line_at_100_hz_stays() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("line.txt");
    jmrui::write(&path, &synthetic(&[1024], Vec::new(), 100.0)).expect("write");
    let fid = jmrui::read(&path, &ReadOptions::default())
        .and_then(|f| f.to_mrs_data())
        .expect("read")
        .to_fid()
        .expect("FID");
    let spectrum = fid.to_spectrum();
    let (peak, _) = spectrum
        .values()
        .iter()
        .enumerate()
        .max_by(|a, b| a.1.norm().total_cmp(&b.1.norm()))
        .expect("points");
    // Half a point: 2000 Hz / 1024 / 2 = 0.98 Hz, 0.0079 ppm at 123.2 MHz.
    let half_point_hz = 2000.0 / 1024.0 / 2.0;
    let hz = spectrum.frequency_axis_hz()[peak];
    let ppm = spectrum.ppm_axis()[peak];
    assert!((hz - 100.0).abs() <= half_point_hz, "line at {hz} Hz");
    assert!(
        (ppm - (4.65 + 100.0 / 123.2)).abs() <= half_point_hz / 123.2,
        "line at {ppm} ppm"
    );
}

// ---- bad input ------------------------------------------------------------------------------

fn export_text() -> String {
    std::fs::read_to_string(data_path("cross-format/metab_jmrui.txt")).expect("text")
}

#[test]
fn truncated_signal_rejected() {
    let text = export_text();
    let lines: Vec<&str> = text.lines().collect();
    let cut = lines[..lines.len() - 10].join("\n");
    assert!(matches!(
        parse_kind(&cut),
        ErrorKind::Truncated {
            expected: 4096,
            found: 4086,
            ..
        }
    ));
}

#[test]
fn extra_lines_rejected() {
    let text = export_text() + "1.0\t2.0\n";
    assert!(matches!(parse_kind(&text), ErrorKind::WrongSize { .. }));
}

#[test]
fn missing_signal_rejected() {
    let text = export_text().replace("DatasetsInFile:\t1", "DatasetsInFile:\t2");
    assert!(matches!(parse_kind(&text), ErrorKind::Parse { .. }));
    let text = OLD_STYLE
        .split("Signal number: 2")
        .next()
        .expect("first part")
        .to_string();
    assert!(matches!(
        parse_kind(&text),
        ErrorKind::Truncated {
            expected: 2,
            found: 1,
            ..
        }
    ));
}

#[test]
fn nan_sample_rejected() {
    let text = export_text().replacen("4.298602e-05", "NaN", 1);
    assert!(matches!(
        parse_kind(&text),
        ErrorKind::NonFinite { index: 1, .. }
    ));
    let text = export_text().replacen("4.298602e-05", "inf", 1);
    assert!(matches!(parse_kind(&text), ErrorKind::NonFinite { .. }));
}

#[test]
fn bad_number_rejected() {
    let text = export_text().replacen("4.298602e-05", "4.29x", 1);
    assert!(matches!(
        parse_kind(&text),
        ErrorKind::Parse { line: 17, .. }
    ));
    let text = export_text().replacen("4.298602e-05\t-3.534251e-05", "4.298602e-05", 1);
    assert!(matches!(
        parse_kind(&text),
        ErrorKind::Parse { line: 17, .. }
    ));
}

#[test]
fn missing_points_rejected() {
    let text = export_text().replace("PointsInDataset:\t4096\n", "");
    assert!(matches!(
        parse_kind(&text),
        ErrorKind::MissingField { field, .. } if field == "PointsInDataset"
    ));
}

#[test]
fn missing_sampling_interval_needs_options() {
    let text = export_text().replace("SamplingInterval:\t8.330000e-02\n", "");
    let file =
        jmrui::parse(text.as_bytes(), Path::new("t.txt"), &ReadOptions::default()).expect("parse");
    assert!(matches!(
        kind_of(file.to_mrs_data()),
        ErrorKind::MissingField { field, .. } if field == "SamplingInterval"
    ));
}

#[test]
fn absurd_counts_rejected() {
    let text = export_text().replace("PointsInDataset:\t4096", "PointsInDataset:\t1000000000000");
    assert!(matches!(
        parse_kind(&text),
        ErrorKind::TooLarge { field, .. } if field == "PointsInDataset"
    ));
    // Within the limits but far more samples than the file could hold: nothing is allocated.
    let text = export_text()
        .replace("PointsInDataset:\t4096", "PointsInDataset:\t4000000")
        .replace("DatasetsInFile:\t1", "DatasetsInFile:\t30");
    assert!(matches!(parse_kind(&text), ErrorKind::Truncated { .. }));
}

#[test]
fn garbage_and_wrong_format_rejected() {
    let garbage: Vec<u8> = (0..4096_u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let result = jmrui::parse(&garbage, Path::new("g.txt"), &ReadOptions::default());
    assert!(matches!(kind_of(result), ErrorKind::WrongFormat { .. }));
    let nii = std::fs::read(data_path("cross-format/metab.nii")).expect("nii");
    let result = jmrui::parse(&nii, Path::new("metab.nii"), &ReadOptions::default());
    assert!(matches!(kind_of(result), ErrorKind::WrongFormat { .. }));
    let raw = std::fs::read_to_string(data_path("cross-format/metab.RAW")).expect("raw");
    assert!(matches!(parse_kind(&raw), ErrorKind::WrongFormat { .. }));
    assert!(!jmrui::looks_like(&nii));
    assert!(!jmrui::looks_like(raw.as_bytes()));
    assert!(jmrui::looks_like(export_text().as_bytes()));
}

#[test]
fn mutated_text_never_panics() {
    for end in 0..=OLD_STYLE.len() {
        if let Some(prefix) = OLD_STYLE.get(..end) {
            if let Ok(file) =
                jmrui::parse(prefix.as_bytes(), Path::new("t"), &ReadOptions::default())
            {
                let _ = file.to_mrs_data();
            }
        }
    }
    let bytes = OLD_STYLE.as_bytes();
    for position in 0..bytes.len() {
        for value in [b'0', b'9', b':', b'\n', b'-', b'e', 0xff] {
            let mut mutated = bytes.to_vec();
            mutated[position] = value;
            if let Ok(file) = jmrui::parse(&mutated, Path::new("t"), &ReadOptions::default()) {
                let _ = file.to_mrs_data();
            }
        }
    }
}

#[test]
fn export_is_conjugate_of_raw() {
    // The LCModel export of the same FID: numbers after the last `$END`, real and imaginary
    // parts in pairs, printed with the same 7 significant digits as the jMRUI text.
    let raw = std::fs::read_to_string(data_path("cross-format/metab.RAW")).expect("raw");
    let (_, numbers) = raw.rsplit_once("$END").expect("namelists");
    let values: Vec<f64> = numbers
        .split_whitespace()
        .map(|v| v.parse().expect("number"))
        .collect();
    let data = read_export().to_mrs_data().expect("convert");
    assert_eq!(values.len(), 2 * data.n_points());
    for (sample, pair) in data.samples().iter().zip(values.chunks(2)) {
        assert_same_bits(*sample, (pair[0], -pair[1]));
    }
}

//! NIfTI-MRS reading and writing against the real files in `tests/data`.
//!
//! Reference values come from nibabel 5.4.2 and nifti-mrs 1.4.1 (Python 3.11.7, numpy 2.4.6),
//! printed by `tests/reference/nifti_reference.py` into `tests/reference/nifti_reference.txt`.

use mrs_core::{Acquisition, DimTag, Fid, MrsData, Nucleus};
use mrs_io::nifti::{self, ByteOrder, ComplexType, NiftiMrs, NiftiVersion, WriteOptions};
use mrs_io::{ErrorKind, IoError, ReadOptions};
use ndarray::{ArrayD, Dimension, IxDyn};
use num_complex::Complex64;
use serde_json::{json, Map, Value};
use std::f64::consts::PI;
use std::io::Write;
use std::path::{Path, PathBuf};

fn data_path(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/data")
        .join(relative)
}

fn reference_path(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/reference")
        .join(name)
}

fn read(relative: &str) -> NiftiMrs {
    nifti::read(&data_path(relative), &ReadOptions::default()).expect("read test file")
}

fn kind_of<T: std::fmt::Debug>(result: Result<T, IoError>) -> ErrorKind {
    result.expect_err("expected an error").kind
}

/// Samples are compared bit for bit where both sides hold the same binary value (float32
/// widened to float64 is exact, and so is a float64 copy).
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

/// Chemical shift of the tallest spectral magnitude between `low_ppm` and `high_ppm`.
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

/// One spectral point of the 7 T files: 1 / (4096 x 83.3 us) = 2.93 Hz = 0.0099 ppm at
/// 297.2 MHz. Peak positions of real spectra are checked to within 0.05 ppm (five points),
/// because a brain NAA line is itself about 0.03 ppm wide at 7 T.
const BRAIN_PEAK_TOLERANCE_PPM: f64 = 0.05;
const NAA_PPM: f64 = 2.01;

#[test]
fn metab_header_values() {
    let file = read("nifti-mrs/metab.nii.gz");
    assert_eq!(file.header.version, NiftiVersion::Nifti2);
    assert_eq!(file.header.byte_order, ByteOrder::LittleEndian);
    assert_eq!(file.header.datatype, ComplexType::Complex64);
    assert_eq!(file.data.shape(), &[1, 1, 1, 4095]);
    assert_eq!(file.standard_version(), Some((0, 2)));
    assert!(file.stores_conjugate());
    assert_eq!(file.header.xyzt_units, 0);
    assert_eq!(
        file.dwell_time_s().expect("dwell").to_bits(),
        8.33e-05_f64.to_bits()
    );
    assert_eq!(
        file.spectrometer_frequency_mhz()
            .expect("frequency")
            .to_bits(),
        297.219948_f64.to_bits()
    );
    assert_eq!(file.nucleus().expect("nucleus"), Nucleus::H1);
    assert!(file.dim_tags().expect("tags").is_empty());
    assert_eq!(file.header.affine.qform_code, 0);
    assert_eq!(file.header.affine.sform_code, 2);
    assert_eq!(file.header.affine.srow[0][0].to_bits(), 20.0_f64.to_bits());
    assert_eq!(
        file.header.affine.srow[0][3].to_bits(),
        (-32.90067836_f64).to_bits()
    );
}

#[test]
fn metab_json_keeps_key_order() {
    let file = read("nifti-mrs/metab.nii.gz");
    let json = file.header_extension.as_ref().expect("JSON extension");
    let keys: Vec<&str> = json.keys().take(4).map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "SpectrometerFrequency",
            "ResonantNucleus",
            "Manufacturer",
            "ManufacturersModelName"
        ]
    );
    assert_eq!(json["ProtocolName"], "STEAM_metab");
    assert_eq!(json["ReceiveCoilName"]["Description"], "Rx coil name.");
    assert!(file.other_extensions.is_empty());
}

#[test]
fn metab_samples_match_nibabel() {
    let file = read("nifti-mrs/metab.nii.gz");
    let stored: Vec<Complex64> = file.data.t().iter().copied().collect();
    assert_same_bits(stored[0], (5.395105836214498e-05, 3.900384399457835e-06));
    assert_same_bits(stored[1], (4.463603545445949e-05, 2.0049992599524558e-05));
    assert_same_bits(
        stored[100],
        (-1.1074981557612773e-05, 1.4741024187969742e-06),
    );
    assert_same_bits(
        stored[4094],
        (-1.209530182677554e-07, -2.762364204045298e-07),
    );
}

#[test]
fn metab_converts_with_conjugation() {
    let file = read("nifti-mrs/metab.nii.gz");
    let data = file.to_mrs_data().expect("convert");
    assert_eq!(data.shape(), &[4095]);
    assert!(data.dims().is_empty());
    let acquisition = data.acquisition();
    assert_eq!(acquisition.echo_time_s, Some(0.011));
    assert_eq!(acquisition.repetition_time_s, Some(5.0));
    assert_eq!(
        acquisition.reference_shift_ppm.to_bits(),
        4.65_f64.to_bits()
    );
    let first = data.samples()[[0]];
    assert_same_bits(first, (5.395105836214498e-05, -3.900384399457835e-06));
}

#[test]
fn metab_naa_at_2_01_ppm() {
    let fid = read("nifti-mrs/metab.nii.gz")
        .to_mrs_data()
        .and_then(|d| {
            d.to_fid()
                .map_err(|e| IoError::new("metab", ErrorKind::Core(e)))
        })
        .expect("single FID");
    let peak = tallest_peak_ppm(&fid, 1.5, 4.2);
    assert!(
        (peak - NAA_PPM).abs() < BRAIN_PEAK_TOLERANCE_PPM,
        "NAA at {peak} ppm"
    );
}

#[test]
fn metab_raw_dimensions() {
    let file = read("nifti-mrs/metab_raw.nii.gz");
    assert_eq!(file.data.shape(), &[1, 1, 1, 4096, 4, 16]);
    assert_eq!(file.dim_tags().expect("tags"), [DimTag::Coil, DimTag::Dyn]);
    let data = file.to_mrs_data().expect("convert");
    assert_eq!(data.shape(), &[4096, 4, 16]);
    let acquisition = data.acquisition();
    assert_eq!(acquisition.dwell_time_s.to_bits(), 8.33e-05_f64.to_bits());
    assert_eq!(
        acquisition.spectrometer_frequency_mhz.to_bits(),
        297.219948_f64.to_bits()
    );
    assert_eq!(acquisition.echo_time_s, Some(0.011));
    assert_eq!(acquisition.repetition_time_s, Some(5.0));
    assert_eq!(data.dim_size(DimTag::Coil), Some(4));
    assert_eq!(data.dim_size(DimTag::Dyn), Some(16));
    // Fortran index 100 is (t 100, coil 0, dyn 0); index 262143 is (t 4095, coil 3, dyn 15).
    assert_same_bits(
        data.samples()[[100, 0, 0]],
        (1.3110693544149399e-06, -3.3171381801366806e-06),
    );
    assert_same_bits(
        data.samples()[[4095, 3, 15]],
        (-2.423767000436783e-07, -9.522773325443268e-08),
    );
}

#[test]
fn metab_raw_combined_naa() {
    let data = read("nifti-mrs/metab_raw.nii.gz")
        .to_mrs_data()
        .expect("convert");
    let combined = data.combine_coils().expect("coils");
    let averaged = combined.average(DimTag::Dyn).expect("average");
    let fid = averaged.to_fid().expect("single FID");
    let peak = tallest_peak_ppm(&fid, 1.5, 4.2);
    assert!(
        (peak - NAA_PPM).abs() < BRAIN_PEAK_TOLERANCE_PPM,
        "NAA at {peak} ppm"
    );
}

#[test]
fn wref_raw_water_peak() {
    let file = read("nifti-mrs/wref_raw.nii.gz");
    assert_eq!(file.data.shape(), &[1, 1, 1, 4096, 4, 2]);
    assert_eq!(file.dim_tags().expect("tags"), [DimTag::Coil, DimTag::Dyn]);
    let data = file.to_mrs_data().expect("convert");
    assert_eq!(data.acquisition().echo_time_s, Some(0.011));
    assert_eq!(
        data.acquisition().dwell_time_s.to_bits(),
        8.33e-05_f64.to_bits()
    );
    let stored: Vec<Complex64> = file.data.t().iter().copied().collect();
    assert_same_bits(stored[0], (-0.0017727315425872803, -0.0015009387861937284));
    assert_same_bits(
        stored[32767],
        (1.478707417845726e-06, 1.0614749044179916e-06),
    );
    let fid = data
        .combine_coils()
        .and_then(|d| d.average(DimTag::Dyn))
        .and_then(|d| d.to_fid())
        .expect("single FID");
    let peak = tallest_peak_ppm(&fid, -5.0, 15.0);
    // The water line sits at the receiver frequency (4.65 ppm) within one 0.0099 ppm point.
    assert!((peak - 4.65).abs() < 0.02, "water at {peak} ppm");
}

#[test]
fn legacy_nifti1_with_sidecar() {
    let file = read("cross-format/metab.nii");
    assert_eq!(file.header.version, NiftiVersion::Nifti1);
    assert_eq!(file.header.datatype, ComplexType::Complex128);
    assert_eq!(file.data.shape(), &[1, 1, 1, 4096]);
    assert_eq!(file.standard_version(), None);
    assert!(!file.stores_conjugate());
    assert!(file.header_extension.is_none());
    let sidecar = file.sidecar.as_ref().expect("metab.json read");
    assert_eq!(sidecar["MagneticFieldStrength"], json!(6.98));
    // ImagingFrequency 297219948 is in Hz.
    assert_eq!(
        file.spectrometer_frequency_mhz()
            .expect("frequency")
            .to_bits(),
        297.219948_f64.to_bits()
    );
    // pixdim is float32 in NIfTI-1: 8.33e-5 is stored as 8.330000127898529e-05.
    assert_eq!(
        file.dwell_time_s().expect("dwell").to_bits(),
        8.330000127898529e-05_f64.to_bits()
    );
    assert_eq!(file.header.affine.qform_code, 1);
    let stored: Vec<Complex64> = file.data.t().iter().copied().collect();
    assert_same_bits(stored[0], (5.22711028225143e-05, -2.2257548890130993e-05));
    assert_same_bits(stored[100], (-3.943273184292251e-06, 2.953364098916861e-06));
    assert_same_bits(stored[4095], (0.0, 1.0587911840678754e-21));
}

#[test]
fn legacy_nifti1_naa_as_stored() {
    let data = read("cross-format/metab.nii")
        .to_mrs_data()
        .expect("convert");
    let fid = data.to_fid().expect("single FID");
    assert_same_bits(
        fid.samples()[0],
        (5.22711028225143e-05, -2.2257548890130993e-05),
    );
    let peak = tallest_peak_ppm(&fid, 1.5, 4.2);
    assert!(
        (peak - NAA_PPM).abs() < BRAIN_PEAK_TOLERANCE_PPM,
        "NAA at {peak} ppm"
    );
}

#[test]
fn parse_without_sidecar_needs_frequency() {
    let path = data_path("cross-format/metab.nii");
    let bytes = std::fs::read(&path).expect("read bytes");
    let file = nifti::parse(&bytes, &path, &ReadOptions::default()).expect("parse");
    assert!(file.sidecar.is_none());
    assert!(matches!(
        kind_of(file.to_mrs_data()),
        ErrorKind::MissingField { field, .. } if field == "SpectrometerFrequency"
    ));
    let options = ReadOptions {
        spectrometer_frequency_mhz: Some(297.219948),
        ..ReadOptions::default()
    };
    let file = nifti::parse(&bytes, &path, &options).expect("parse");
    let data = file.to_mrs_data().expect("frequency from options");
    assert_eq!(
        data.acquisition().spectrometer_frequency_mhz.to_bits(),
        297.219948_f64.to_bits()
    );
}

#[test]
fn big_endian_files() {
    let cases = [
        (
            "big_endian_nifti1.nii",
            NiftiVersion::Nifti1,
            f64::from(0.00025_f32),
        ),
        ("big_endian_nifti2.nii", NiftiVersion::Nifti2, 0.00025),
    ];
    for (name, version, dwell_time_s) in cases {
        let file = nifti::read(&reference_path(name), &ReadOptions::default()).expect(name);
        assert_eq!(file.header.byte_order, ByteOrder::BigEndian, "{name}");
        assert_eq!(file.header.version, version, "{name}");
        assert_eq!(file.data.shape(), &[1, 1, 1, 64, 2], "{name}");
        assert_eq!(file.other_extensions.len(), 1, "{name}");
        assert_eq!(file.other_extensions[0].code, 6, "{name}");
        assert!(file.other_extensions[0]
            .content
            .starts_with(b"big-endian test file"));
        let data = file.to_mrs_data().expect(name);
        assert_eq!(data.dims(), [DimTag::Dyn], "{name}");
        let acquisition = data.acquisition();
        assert_eq!(acquisition.echo_time_s, Some(0.03), "{name}");
        assert_eq!(
            acquisition.dwell_time_s.to_bits(),
            dwell_time_s.to_bits(),
            "{name}"
        );
        // Stored (n + 1000 d) - i n / 2, conjugated on conversion.
        for (n, d) in [(1, 0), (5, 0), (63, 1)] {
            let expected = (n as f64 + 1000.0 * d as f64, n as f64 / 2.0);
            assert_same_bits(data.samples()[[n, d]], expected);
        }
    }
}

/// Builds a single line at `offset_hz` with a 5 Hz Lorentzian width, repeated over `shape` (time
/// first) with a different amplitude per FID so that axis order errors show.
fn synthetic(shape: &[usize], dims: Vec<DimTag>, offset_hz: f64) -> MrsData {
    let mut acquisition = Acquisition::new(1.0 / 2000.0, 123.2).expect("acquisition");
    acquisition.echo_time_s = Some(0.035);
    acquisition.repetition_time_s = Some(2.0);
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

fn all_write_options() -> Vec<(WriteOptions, &'static str)> {
    let mut options = Vec::new();
    for nifti_version in [NiftiVersion::Nifti1, NiftiVersion::Nifti2] {
        for datatype in [ComplexType::Complex64, ComplexType::Complex128] {
            for extension in ["nii", "nii.gz"] {
                let write = WriteOptions {
                    nifti_version,
                    datatype,
                };
                options.push((write, extension));
            }
        }
    }
    options
}

#[test]
fn round_trip_all_variants() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = synthetic(&[256, 4, 3], vec![DimTag::Coil, DimTag::Dyn], 37.0);
    for (options, extension) in all_write_options() {
        let label = format!("{options:?} .{extension}");
        let path = dir.path().join(format!("out.{extension}"));
        nifti::write(&path, &data, None, &options).expect(&label);
        let file = nifti::read(&path, &ReadOptions::default()).expect(&label);
        assert_eq!(file.header.version, options.nifti_version, "{label}");
        assert_eq!(file.header.datatype, options.datatype, "{label}");
        assert_eq!(file.standard_version(), Some((0, 11)), "{label}");
        let back = file.to_mrs_data().expect(&label);
        assert_eq!(back.shape(), data.shape(), "{label}");
        assert_eq!(back.dims(), data.dims(), "{label}");

        // complex128 keeps every bit; complex64 rounds each part to float32 exactly once.
        for (written, read) in data.samples().iter().zip(back.samples()) {
            let expected = match options.datatype {
                ComplexType::Complex128 => (written.re, written.im),
                ComplexType::Complex64 => {
                    (f64::from(written.re as f32), f64::from(written.im as f32))
                }
            };
            assert_same_bits(*read, expected);
        }

        let (original, acquisition) = (data.acquisition(), back.acquisition());
        let dwell_time_s = match options.nifti_version {
            NiftiVersion::Nifti1 => f64::from(original.dwell_time_s as f32),
            NiftiVersion::Nifti2 => original.dwell_time_s,
        };
        assert_eq!(
            acquisition.dwell_time_s.to_bits(),
            dwell_time_s.to_bits(),
            "{label}"
        );
        assert_eq!(
            acquisition.spectrometer_frequency_mhz.to_bits(),
            original.spectrometer_frequency_mhz.to_bits(),
            "{label}"
        );
        assert_eq!(acquisition.echo_time_s, original.echo_time_s, "{label}");
        assert_eq!(
            acquisition.repetition_time_s, original.repetition_time_s,
            "{label}"
        );
        assert_eq!(acquisition.nucleus, original.nucleus, "{label}");
        assert_eq!(
            acquisition.reference_shift_ppm.to_bits(),
            original.reference_shift_ppm.to_bits(),
            "{label}"
        );
    }
}

#[test]
fn rewrite_is_byte_identical() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = synthetic(&[128, 2], vec![DimTag::Edit], -20.0);
    for (options, extension) in all_write_options() {
        let label = format!("{options:?} .{extension}");
        let first = dir.path().join(format!("first.{extension}"));
        let second = dir.path().join(format!("second.{extension}"));
        nifti::write(&first, &data, None, &options).expect(&label);
        let file = nifti::read(&first, &ReadOptions::default()).expect(&label);
        file.write(&second).expect(&label);
        let first_bytes = std::fs::read(&first).expect("first");
        let second_bytes = std::fs::read(&second).expect("second");
        assert!(
            first_bytes == second_bytes,
            "{label}: rewritten file differs"
        );
    }
}

#[test]
fn real_file_rewrite_keeps_everything() {
    let dir = tempfile::tempdir().expect("temp dir");
    let original = read("nifti-mrs/metab_raw.nii.gz");
    let path = dir.path().join("metab_raw.nii.gz");
    original.write(&path).expect("write");
    let copy = nifti::read(&path, &ReadOptions::default()).expect("read copy");
    assert_eq!(copy.header_extension, original.header_extension);
    assert_eq!(copy.header.affine, original.header.affine);
    assert_eq!(
        copy.header.pixdim.map(f64::to_bits),
        original.header.pixdim.map(f64::to_bits)
    );
    assert_eq!(copy.header.intent_name, "mrs_v0_2");
    assert!(copy.data == original.data, "samples changed");
    assert_eq!(copy.data.shape(), original.data.shape());
}

/// Half a spectral point: 2000 Hz / 1024 points = 1.95 Hz per point, so a line between points
/// peaks within 0.98 Hz, which is 0.0079 ppm at 123.2 MHz.
const HALF_POINT_HZ: f64 = 2000.0 / 1024.0 / 2.0;

#[test]
fn line_at_100_hz_stays() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = synthetic(&[1024], Vec::new(), 100.0);
    let expected_ppm = 4.65 + 100.0 / 123.2;
    for (options, extension) in all_write_options() {
        let label = format!("{options:?} .{extension}");
        let path = dir.path().join(format!("line.{extension}"));
        nifti::write(&path, &data, None, &options).expect(&label);
        let fid = nifti::read(&path, &ReadOptions::default())
            .and_then(|f| f.to_mrs_data())
            .expect(&label)
            .to_fid()
            .expect(&label);
        let spectrum = fid.to_spectrum();
        let (peak, _) = spectrum
            .values()
            .iter()
            .enumerate()
            .max_by(|a, b| a.1.norm().total_cmp(&b.1.norm()))
            .expect("points");
        let hz = spectrum.frequency_axis_hz()[peak];
        let ppm = spectrum.ppm_axis()[peak];
        assert!(
            (hz - 100.0).abs() <= HALF_POINT_HZ,
            "{label}: line at {hz} Hz"
        );
        assert!(
            (ppm - expected_ppm).abs() <= HALF_POINT_HZ / 123.2,
            "{label}: line at {ppm} ppm"
        );
    }
}

#[test]
fn stored_samples_are_conjugated() {
    let data = synthetic(&[16], Vec::new(), 100.0);
    let file = NiftiMrs::from_mrs_data(&data, None, &WriteOptions::default()).expect("build");
    assert_eq!(file.data.shape(), &[1, 1, 1, 16]);
    let stored = file.data[[0, 0, 0, 3]];
    let sample = data.samples()[[3]];
    assert_same_bits(stored, (sample.re, -sample.im));
}

#[test]
fn extra_json_is_written() {
    let data = synthetic(&[32], Vec::new(), 0.0);
    let extra: Map<String, Value> = serde_json::from_value(json!({
        "Manufacturer": "mrskit",
        "LiverVoxel": {"Value": "segment 7", "Description": "Liver segment of the voxel."}
    }))
    .expect("map");
    let file = NiftiMrs::from_mrs_data(&data, Some(&extra), &WriteOptions::default()).expect("ok");
    let json = file.header_extension.as_ref().expect("json");
    assert_eq!(json["Manufacturer"], "mrskit");
    assert_eq!(json["SpectrometerFrequency"], json!([123.2]));
    assert_eq!(json["ResonantNucleus"], json!(["1H"]));
    assert_eq!(json["SpecFreqChemShift"], json!(4.65));
    let keys: Vec<&String> = json.keys().collect();
    assert_eq!(keys.last().map(|k| k.as_str()), Some("LiverVoxel"));
}

#[test]
fn extra_json_conflicts_rejected() {
    let data = synthetic(&[32, 2], vec![DimTag::Dyn], 0.0);
    for bad in [
        json!({"SpectrometerFrequency": [127.0]}),
        json!({"dim_5": "DIM_COIL"}),
        json!({"dim_6_info": "beyond the data"}),
        json!({"RxOffset": 0.1}),
    ] {
        let extra: Map<String, Value> = serde_json::from_value(bad.clone()).expect("map");
        let result = NiftiMrs::from_mrs_data(&data, Some(&extra), &WriteOptions::default());
        assert!(
            matches!(kind_of(result), ErrorKind::InvalidField { .. }),
            "{bad} was accepted"
        );
    }
    let extra: Map<String, Value> =
        serde_json::from_value(json!({"dim_5_info": "repeats"})).expect("map");
    assert!(NiftiMrs::from_mrs_data(&data, Some(&extra), &WriteOptions::default()).is_ok());
}

#[test]
fn time_units_scale_dwell() {
    let data = synthetic(&[8], Vec::new(), 0.0);
    let mut file = NiftiMrs::from_mrs_data(&data, None, &WriteOptions::default()).expect("ok");
    file.header.pixdim[4] = 0.5;
    file.header.xyzt_units = 2 | 16;
    assert_eq!(
        file.dwell_time_s().expect("ms").to_bits(),
        0.0005_f64.to_bits()
    );
    file.header.pixdim[4] = 500.0;
    file.header.xyzt_units = 2 | 24;
    assert_eq!(
        file.dwell_time_s().expect("us").to_bits(),
        0.0005_f64.to_bits()
    );
    file.header.xyzt_units = 2 | 32;
    assert!(matches!(
        kind_of(file.dwell_time_s()),
        ErrorKind::InvalidField { field, .. } if field == "xyzt_units"
    ));
}

#[test]
fn several_voxels_need_an_index() {
    let data = synthetic(&[16], Vec::new(), 0.0);
    let mut file = NiftiMrs::from_mrs_data(&data, None, &WriteOptions::default()).expect("ok");
    let voxel = file.data.clone();
    file.data = ndarray::concatenate(ndarray::Axis(0), &[voxel.view(), (&voxel * 2.0).view()])
        .expect("two voxels");
    assert_eq!(file.spatial_shape(), [2, 1, 1]);
    assert!(matches!(
        kind_of(file.to_mrs_data()),
        ErrorKind::Unsupported { .. }
    ));
    let second = file.voxel_to_mrs_data([1, 0, 0]).expect("voxel");
    let expected = data.samples()[[5]] * 2.0;
    assert_same_bits(second.samples()[[5]], (expected.re, expected.im));
    assert!(matches!(
        kind_of(file.voxel_to_mrs_data([2, 0, 0])),
        ErrorKind::InvalidField { .. }
    ));
}

#[test]
fn reference_shift_from_json() {
    let data = synthetic(&[16], Vec::new(), 0.0);
    let mut file = NiftiMrs::from_mrs_data(&data, None, &WriteOptions::default()).expect("ok");
    let json = file.header_extension.as_mut().expect("json");
    json.insert("SpecFreqChemShift".to_string(), json!(4.7));
    json.insert("RxOffset".to_string(), json!(0.1));
    let shift = file.acquisition().expect("acquisition").reference_shift_ppm;
    assert!((shift - 4.8).abs() < 1e-12, "reference shift {shift}");
    file.read_options.reference_shift_ppm = Some(4.68);
    let shift = file.acquisition().expect("acquisition").reference_shift_ppm;
    assert_eq!(shift.to_bits(), 4.68_f64.to_bits());
}

#[test]
fn implied_singleton_dimension() {
    let data = synthetic(&[16], Vec::new(), 0.0);
    let mut file = NiftiMrs::from_mrs_data(&data, None, &WriteOptions::default()).expect("ok");
    let json = file.header_extension.as_mut().expect("json");
    json.insert("dim_5".to_string(), json!("DIM_DYN"));
    let converted = file.to_mrs_data().expect("convert");
    assert_eq!(converted.shape(), &[16, 1]);
    assert_eq!(converted.dims(), [DimTag::Dyn]);
}

// ---- bad input ------------------------------------------------------------------------------

fn legacy_bytes() -> (Vec<u8>, PathBuf) {
    let path = data_path("cross-format/metab.nii");
    (std::fs::read(&path).expect("bytes"), path)
}

fn parse_kind(bytes: &[u8]) -> ErrorKind {
    kind_of(nifti::parse(
        bytes,
        Path::new("test.nii"),
        &ReadOptions::default(),
    ))
}

/// Little-endian NIfTI-2 bytes of a small written file.
fn nifti2_bytes() -> Vec<u8> {
    let data = synthetic(&[64, 2], vec![DimTag::Dyn], 0.0);
    NiftiMrs::from_mrs_data(&data, None, &WriteOptions::default())
        .and_then(|f| f.to_bytes(Path::new("test.nii")))
        .expect("bytes")
}

#[test]
fn truncated_data_rejected() {
    let (bytes, _) = legacy_bytes();
    let cut = &bytes[..bytes.len() - 16];
    assert!(matches!(parse_kind(cut), ErrorKind::Truncated { field, .. } if field == "data"));
    assert!(matches!(
        parse_kind(&bytes[..200]),
        ErrorKind::Truncated { .. }
    ));
}

#[test]
fn trailing_bytes_rejected() {
    let (mut bytes, _) = legacy_bytes();
    bytes.extend_from_slice(&[0; 16]);
    assert!(matches!(parse_kind(&bytes), ErrorKind::WrongSize { .. }));
}

#[test]
fn nan_sample_rejected() {
    let (mut bytes, _) = legacy_bytes();
    // complex128 data starts at vox_offset 352; sample 3 has its real part at 352 + 48.
    bytes[400..408].copy_from_slice(&f64::NAN.to_le_bytes());
    assert!(matches!(
        parse_kind(&bytes),
        ErrorKind::NonFinite { index: 3, .. }
    ));
}

#[test]
fn missing_frequency_rejected() {
    let data = synthetic(&[16], Vec::new(), 0.0);
    let mut file = NiftiMrs::from_mrs_data(&data, None, &WriteOptions::default()).expect("ok");
    file.header_extension
        .as_mut()
        .expect("json")
        .remove("SpectrometerFrequency");
    let bytes = file.to_bytes(Path::new("test.nii")).expect("bytes");
    let parsed = nifti::parse(&bytes, Path::new("test.nii"), &ReadOptions::default()).expect("ok");
    assert!(matches!(
        kind_of(parsed.to_mrs_data()),
        ErrorKind::MissingField { field, .. } if field == "SpectrometerFrequency"
    ));
}

#[test]
fn absurd_sizes_rejected() {
    let mut bytes = nifti2_bytes();
    // dim[4] (time) of NIfTI-2 is the i64 at byte 48.
    bytes[48..56].copy_from_slice(&1_000_000_000_000_i64.to_le_bytes());
    assert!(matches!(
        parse_kind(&bytes),
        ErrorKind::TooLarge { field, .. } if field == "dim[4]"
    ));
    let mut bytes = nifti2_bytes();
    // dim[5] at byte 56: 2^26 dynamics of 64 points exceed 2^27 samples in total.
    bytes[56..64].copy_from_slice(&(1_i64 << 26).to_le_bytes());
    assert!(matches!(parse_kind(&bytes), ErrorKind::TooLarge { .. }));
    let mut bytes = nifti2_bytes();
    // vox_offset at byte 168.
    bytes[168..176].copy_from_slice(&(1_i64 << 40).to_le_bytes());
    assert!(matches!(
        parse_kind(&bytes),
        ErrorKind::TooLarge { field, .. } if field == "vox_offset"
    ));
}

#[test]
fn bad_header_fields_rejected() {
    let mut bytes = nifti2_bytes();
    // datatype at byte 12: 16 is float32.
    bytes[12..14].copy_from_slice(&16_i16.to_le_bytes());
    assert!(matches!(
        parse_kind(&bytes),
        ErrorKind::InvalidField { field, .. } if field == "datatype"
    ));
    let mut bytes = nifti2_bytes();
    bytes[12..14].copy_from_slice(&2048_i16.to_le_bytes());
    assert!(matches!(parse_kind(&bytes), ErrorKind::Unsupported { .. }));
    let mut bytes = nifti2_bytes();
    // dim[0] at byte 16.
    bytes[16..24].copy_from_slice(&3_i64.to_le_bytes());
    assert!(matches!(
        parse_kind(&bytes),
        ErrorKind::InvalidField { field, .. } if field == "dim[0]"
    ));
    let mut bytes = nifti2_bytes();
    // First extension's esize at byte 544.
    bytes[544..548].copy_from_slice(&4000_i32.to_le_bytes());
    assert!(matches!(
        parse_kind(&bytes),
        ErrorKind::InvalidField { field, .. } if field == "esize"
    ));
    let mut bytes = nifti2_bytes();
    // Corrupt the JSON text after esize and ecode.
    bytes[552] = b'#';
    assert!(matches!(parse_kind(&bytes), ErrorKind::Container { .. }));
}

#[test]
fn garbage_and_wrong_format_rejected() {
    let garbage: Vec<u8> = (0..4096_u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    assert!(matches!(
        parse_kind(&garbage),
        ErrorKind::WrongFormat { .. }
    ));
    assert!(matches!(parse_kind(b""), ErrorKind::WrongFormat { .. }));
    let jmrui = std::fs::read(data_path("cross-format/metab_jmrui.txt")).expect("jmrui");
    assert!(matches!(parse_kind(&jmrui), ErrorKind::WrongFormat { .. }));
    assert!(!nifti::looks_like(&jmrui));
    let raw = std::fs::read(data_path("cross-format/metab.RAW")).expect("raw");
    assert!(!nifti::looks_like(&raw));
    let (legacy, _) = legacy_bytes();
    assert!(nifti::looks_like(&legacy));
    let gz = std::fs::read(data_path("nifti-mrs/metab.nii.gz")).expect("gz");
    assert!(nifti::looks_like(&gz));
}

#[test]
fn corrupt_gzip_rejected() {
    let gz = std::fs::read(data_path("nifti-mrs/metab.nii.gz")).expect("gz");
    let cut = &gz[..gz.len() / 2];
    assert!(matches!(
        parse_kind(cut),
        ErrorKind::Container { .. } | ErrorKind::Truncated { .. }
    ));
}

#[test]
fn gzip_bomb_stops_at_header_size() {
    // A valid 64 x 2 point file followed by 32 MiB of zeros, compressed to about 32 KiB. The
    // reader inflates only the bytes the header announces plus one, then reports the excess.
    let plain = nifti2_bytes();
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(&plain).expect("compress");
    let zeros = vec![0u8; 1 << 20];
    for _ in 0..32 {
        encoder.write_all(&zeros).expect("compress");
    }
    let bomb = encoder.finish().expect("compress");
    assert!(bomb.len() < 200_000, "bomb is {} bytes", bomb.len());
    assert!(matches!(
        parse_kind(&bomb),
        ErrorKind::WrongSize { expected, found, .. } if found == expected + 1
    ));
}

#[test]
fn header_image_pair_rejected() {
    let mut bytes = nifti2_bytes();
    bytes[4..12].copy_from_slice(b"ni2\0\r\n\x1a\n");
    assert!(matches!(parse_kind(&bytes), ErrorKind::Unsupported { .. }));
}

#[test]
fn mutated_headers_never_panic() {
    let original = nifti2_bytes();
    let legacy = legacy_bytes().0;
    for base in [&original, &legacy] {
        // Every prefix, then every header byte set to a few extreme values.
        for length in 0..base.len().min(2048) {
            let _ = nifti::parse(&base[..length], Path::new("t.nii"), &ReadOptions::default());
        }
        for position in 0..600.min(base.len()) {
            for value in [0x00, 0x01, 0x7f, 0x80, 0xff] {
                let mut bytes = base.clone();
                bytes[position] = value;
                if let Ok(file) = nifti::parse(&bytes, Path::new("t.nii"), &ReadOptions::default())
                {
                    let _ = file.to_mrs_data();
                }
            }
        }
    }
}

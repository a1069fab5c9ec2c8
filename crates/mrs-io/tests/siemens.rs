//! Siemens readers against the real files in `tests/data/siemens` and the spec2nii 0.8.15 values
//! in `tests/data/golden/spec2nii`, plus one test per class of bad input.

mod vendor_support;

use dicom_core::value::PrimitiveValue;
use dicom_core::{DataElement, Tag, VR};
use dicom_object::{FileMetaTableBuilder, InMemDicomObject, OpenFileOptions};
use mrs_core::{DimTag, Nucleus};
use mrs_io::siemens::{self, DicomLayout};
use mrs_io::{ErrorKind, ReadOptions};
use std::path::Path;
use vendor_support::*;

const RDA: &str = "siemens/SVS_30.rda";
const IMA: &str = "siemens/SVS_30.IMA";
const XA: &str = "siemens/SVS_XA60.dcm";

fn rda_bytes() -> Vec<u8> {
    std::fs::read(data_path(RDA)).unwrap()
}

fn parse_rda(bytes: &[u8]) -> Result<siemens::Rda, mrs_io::IoError> {
    siemens::rda::parse(bytes, Path::new("test.rda"), &ReadOptions::default())
}

/// Splits the real RDA into header text and data, so tests can edit the header.
fn rda_parts() -> (String, Vec<u8>) {
    let bytes = rda_bytes();
    let marker = b">>> End of header <<<\r\n";
    let end = bytes
        .windows(marker.len())
        .position(|w| w == marker)
        .unwrap()
        + marker.len();
    let header: String = bytes[..end].iter().map(|&b| char::from(b)).collect();
    (header, bytes[end..].to_vec())
}

fn rda_with_header(header: &str, data: &[u8]) -> Vec<u8> {
    let mut bytes: Vec<u8> = header.chars().map(|c| c as u8).collect();
    bytes.extend_from_slice(data);
    bytes
}

// ---------------------------------------------------------------- RDA

#[test]
fn rda_header_values() {
    let rda = siemens::rda::read(&data_path(RDA), &ReadOptions::default()).unwrap();
    assert_eq!(rda.n_points, 1024);
    assert_eq!(rda.csi_matrix_size, [1, 1, 1]);
    assert_close(rda.dwell_time_s, 833e-6, 1e-15, "dwell time");
    assert_close(
        rda.spectrometer_frequency_mhz,
        123.234655,
        1e-15,
        "frequency",
    );
    assert_close(rda.echo_time_s.unwrap(), 0.030, 1e-15, "TE");
    assert_close(rda.repetition_time_s.unwrap(), 2.0, 1e-15, "TR");
    assert_close(rda.n_averages.unwrap(), 64.0, 0.0, "averages");
    assert_eq!(rda.nucleus, Nucleus::H1);
    assert_eq!(rda.get("SequenceName"), Some("*svs_se"));
    assert_eq!(rda.get("TransmitRefAmplitude[1H]"), Some("347.063049"));
    // Every header line is kept in order, including ones the reader does not interpret.
    assert_eq!(
        rda.header.first().map(|(k, _)| k.as_str()),
        Some("PatientName")
    );
    assert_eq!(
        rda.header.last().map(|(k, _)| k.as_str()),
        Some("PixelSpacing3D")
    );
    assert_eq!(rda.header.len(), 83);
}

#[test]
fn rda_matches_spec2nii() {
    let golden = golden("siemens_svs_30_rda");
    let data = siemens::rda::read(&data_path(RDA), &ReadOptions::default())
        .unwrap()
        .to_mrs_data()
        .unwrap();
    assert_eq!(data.shape(), &[golden.n_points]);
    assert_conjugate_of_golden(data.samples().as_slice().unwrap(), &golden, 0);
    let acquisition = data.acquisition();
    assert_close(
        acquisition.dwell_time_s,
        golden.dwell_time_s,
        1e-15,
        "dwell time",
    );
    assert_close(
        acquisition.spectrometer_frequency_mhz,
        golden.spectrometer_frequency_mhz,
        1e-15,
        "frequency",
    );
    assert_close(
        acquisition.echo_time_s.unwrap(),
        golden.echo_time_s,
        1e-12,
        "TE",
    );
    assert_close(
        acquisition.repetition_time_s.unwrap(),
        golden.repetition_time_s,
        1e-12,
        "TR",
    );
}

#[test]
fn rda_brain_peaks_in_place() {
    let data = siemens::rda::read(&data_path(RDA), &ReadOptions::default())
        .unwrap()
        .to_mrs_data()
        .unwrap();
    assert_brain_peaks(&data, &[]);
}

/// Asserts three facts of a brain spectrum. Water is the tallest line, within 0.1 ppm of 4.65.
/// The tallest metabolite line between 1.8 and 3.5 ppm is NAA, within 0.08 ppm of 2.01 (these
/// files place water at 4.63 ppm, so NAA is near 1.96 ppm). NAA is over three times higher than
/// anything at its mirror image about 4.65 ppm (7.29 ppm), where a wrong conjugation puts it.
fn assert_brain_peaks(data: &mrs_core::MrsData, fid: &[usize]) {
    let (magnitude, ppm) = magnitude_spectrum(data, fid, 3.0);
    let water_ppm = tallest_peak_ppm(&magnitude, &ppm);
    assert!((water_ppm - 4.65).abs() < 0.1, "water at {water_ppm} ppm");
    let heights = above_running_median(&magnitude, &ppm, 0.1);
    let (naa_height, naa_ppm) = highest_in(&heights, &ppm, 1.8, 3.5);
    assert!(
        (naa_ppm - 2.01).abs() < 0.08,
        "tallest metabolite at {naa_ppm} ppm"
    );
    let (mirror_height, _) = highest_in(&heights, &ppm, 7.19, 7.39);
    assert!(
        naa_height > 3.0 * mirror_height,
        "NAA {naa_height} against its mirror image {mirror_height}"
    );
}

#[test]
fn rda_latin1_and_decimal_comma() {
    let (header, data) = rda_parts();
    let header = header
        .replace("PatientName: 445", "PatientName: M\u{fc}ller")
        .replace("MRFrequency: 123.234655", "MRFrequency: 123,234655");
    let rda = parse_rda(&rda_with_header(&header, &data)).unwrap();
    assert_eq!(rda.get("PatientName"), Some("M\u{fc}ller"));
    assert_close(
        rda.spectrometer_frequency_mhz,
        123.234655,
        1e-15,
        "frequency",
    );
}

#[test]
fn rda_lf_line_endings() {
    let (header, data) = rda_parts();
    let rda = parse_rda(&rda_with_header(&header.replace("\r\n", "\n"), &data)).unwrap();
    assert_eq!(rda.n_points, 1024);
    assert_eq!(rda.samples, parse_rda(&rda_bytes()).unwrap().samples);
}

#[test]
fn rda_frequency_from_mrfrequency_not_field() {
    let (header, data) = rda_parts();
    let header = header.replace(
        "MagneticFieldStrength: 3.000000",
        "MagneticFieldStrength: 7.0",
    );
    let rda = parse_rda(&rda_with_header(&header, &data)).unwrap();
    assert_close(
        rda.spectrometer_frequency_mhz,
        123.234655,
        1e-15,
        "frequency",
    );
}

#[test]
fn rda_multi_voxel_parses_but_does_not_convert() {
    let (header, data) = rda_parts();
    let header = header.replace("CSIMatrixSize[0]: 1", "CSIMatrixSize[0]: 2");
    let mut doubled = data.clone();
    doubled.extend_from_slice(&data);
    let rda = parse_rda(&rda_with_header(&header, &doubled)).unwrap();
    assert_eq!(rda.n_voxels(), 2);
    assert_eq!(rda.samples.len(), 2048);
    let error = rda.to_mrs_data().unwrap_err();
    assert!(
        matches!(error.kind, ErrorKind::Unsupported { .. }),
        "{error}"
    );
}

#[test]
fn rda_truncated_data() {
    let mut bytes = rda_bytes();
    bytes.truncate(bytes.len() - 8);
    let error = parse_rda(&bytes).unwrap_err();
    assert!(
        matches!(
            error.kind,
            ErrorKind::Truncated {
                expected: 16384,
                found: 16376,
                ..
            }
        ),
        "{error}"
    );
}

#[test]
fn rda_extra_bytes() {
    let mut bytes = rda_bytes();
    bytes.extend_from_slice(&[0u8; 16]);
    let error = parse_rda(&bytes).unwrap_err();
    assert!(matches!(error.kind, ErrorKind::WrongSize { .. }), "{error}");
}

#[test]
fn rda_wrong_vector_size() {
    let (header, data) = rda_parts();
    let header = header.replace("VectorSize: 1024", "VectorSize: 2048");
    let error = parse_rda(&rda_with_header(&header, &data)).unwrap_err();
    assert!(matches!(error.kind, ErrorKind::Truncated { .. }), "{error}");
}

#[test]
fn rda_nan_sample() {
    let mut bytes = rda_bytes();
    let start = bytes.len() - 16 * 10;
    bytes[start..start + 8].copy_from_slice(&f64::NAN.to_le_bytes());
    let error = parse_rda(&bytes).unwrap_err();
    assert!(
        matches!(error.kind, ErrorKind::NonFinite { index: 1014, .. }),
        "{error}"
    );
}

#[test]
fn rda_missing_keys() {
    let (header, data) = rda_parts();
    for key in ["MRFrequency", "VectorSize", "DwellTime"] {
        let edited: String = header
            .split_inclusive('\n')
            .filter(|line| !line.starts_with(&format!("{key}:")))
            .collect();
        let error = parse_rda(&rda_with_header(&edited, &data)).unwrap_err();
        match &error.kind {
            ErrorKind::MissingField { field, .. } => assert_eq!(field, key),
            other => panic!("{key}: expected MissingField, got {other}"),
        }
    }
}

#[test]
fn rda_missing_frequency_from_options() {
    let (header, data) = rda_parts();
    let edited: String = header
        .split_inclusive('\n')
        .filter(|line| !line.starts_with("MRFrequency:"))
        .collect();
    let options = ReadOptions {
        spectrometer_frequency_mhz: Some(123.2),
        ..ReadOptions::default()
    };
    let rda = siemens::rda::parse(
        &rda_with_header(&edited, &data),
        Path::new("x.rda"),
        &options,
    )
    .unwrap();
    assert_close(rda.spectrometer_frequency_mhz, 123.2, 0.0, "frequency");
}

#[test]
fn rda_absurd_vector_size_not_allocated() {
    let (header, data) = rda_parts();
    let header = header.replace("VectorSize: 1024", "VectorSize: 1000000000000");
    let error = parse_rda(&rda_with_header(&header, &data)).unwrap_err();
    assert!(
        matches!(
            error.kind,
            ErrorKind::TooLarge {
                value: 1_000_000_000_000,
                ..
            }
        ),
        "{error}"
    );
}

#[test]
fn rda_invalid_number() {
    let (header, data) = rda_parts();
    let header = header.replace("MRFrequency: 123.234655", "MRFrequency: abc");
    let error = parse_rda(&rda_with_header(&header, &data)).unwrap_err();
    assert!(
        matches!(error.kind, ErrorKind::InvalidField { .. }),
        "{error}"
    );
}

#[test]
fn rda_missing_end_marker() {
    let (header, _) = rda_parts();
    let header = header.replace(">>> End of header <<<", "");
    let error = parse_rda(header.as_bytes()).unwrap_err();
    assert!(matches!(error.kind, ErrorKind::Parse { .. }), "{error}");
}

#[test]
fn rda_binary_garbage() {
    let garbage: Vec<u8> = (0..4096u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let error = parse_rda(&garbage).unwrap_err();
    assert!(
        matches!(error.kind, ErrorKind::WrongFormat { .. }),
        "{error}"
    );
}

#[test]
fn rda_wrong_format() {
    let spar = std::fs::read(data_path("philips/sub-01_PRESS_35_act.spar")).unwrap();
    let error = parse_rda(&spar).unwrap_err();
    assert!(
        matches!(error.kind, ErrorKind::WrongFormat { .. }),
        "{error}"
    );
    assert!(!siemens::rda::looks_like(&spar));
    assert!(siemens::rda::looks_like(&rda_bytes()));
}

#[test]
fn rda_garbage_after_begin_marker_never_panics() {
    let mut bytes = b">>> Begin of header <<<\r\n".to_vec();
    for seed in 0..200u32 {
        bytes.truncate(25);
        bytes.extend((0..seed * 7).map(|i| (i.wrapping_mul(seed + 31) % 251) as u8));
        let _ = parse_rda(&bytes);
    }
}

// ---------------------------------------------------------------- pre-XA DICOM (CSA)

fn parse_dicom(bytes: &[u8]) -> Result<siemens::SiemensDicom, mrs_io::IoError> {
    siemens::dicom::parse(bytes, Path::new("test.dcm"), &ReadOptions::default())
}

#[test]
fn ima_header_values() {
    let dicom = siemens::dicom::read(&data_path(IMA), &ReadOptions::default()).unwrap();
    assert_eq!(dicom.layout, DicomLayout::Csa);
    assert_eq!(dicom.n_points, 1024);
    assert_eq!(dicom.n_frames, 1);
    assert_eq!(dicom.n_voxels, 1);
    assert_close(dicom.dwell_time_s, 833.4e-6, 1e-12, "dwell time");
    assert_close(
        dicom.spectrometer_frequency_mhz,
        123.234655,
        1e-15,
        "frequency",
    );
    assert_close(dicom.echo_time_s.unwrap(), 0.030, 1e-12, "TE");
    assert_close(dicom.repetition_time_s.unwrap(), 2.0, 1e-12, "TR");
    assert_close(dicom.n_averages.unwrap(), 64.0, 0.0, "averages");
    let image_csa = dicom.image_csa.as_ref().unwrap();
    assert_eq!(image_csa.tags.len(), 85);
    assert_eq!(image_csa.first("ImagedNucleus"), Some("1H"));
    let series_csa = dicom.series_csa.as_ref().unwrap();
    assert!(series_csa.tag("MrPhoenixProtocol").is_some());
}

#[test]
fn ima_matches_spec2nii() {
    let golden = golden("siemens_svs_30_ima");
    let data = siemens::dicom::read(&data_path(IMA), &ReadOptions::default())
        .unwrap()
        .to_mrs_data()
        .unwrap();
    assert_eq!(data.shape(), &[golden.n_points]);
    assert_conjugate_of_golden(data.samples().as_slice().unwrap(), &golden, 0);
    let acquisition = data.acquisition();
    assert_close(
        acquisition.dwell_time_s,
        golden.dwell_time_s,
        1e-15,
        "dwell time",
    );
    assert_close(
        acquisition.spectrometer_frequency_mhz,
        golden.spectrometer_frequency_mhz,
        1e-15,
        "frequency",
    );
    assert_close(
        acquisition.echo_time_s.unwrap(),
        golden.echo_time_s,
        1e-12,
        "TE",
    );
}

#[test]
fn ima_and_rda_hold_the_same_scan() {
    // The RDA stores float64 copies of the float32 DICOM samples of the same acquisition.
    let rda = siemens::rda::read(&data_path(RDA), &ReadOptions::default()).unwrap();
    let dicom = siemens::dicom::read(&data_path(IMA), &ReadOptions::default()).unwrap();
    assert_eq!(rda.samples, dicom.samples);
}

#[test]
fn ima_brain_peaks_in_place() {
    let data = siemens::dicom::read(&data_path(IMA), &ReadOptions::default())
        .unwrap()
        .to_mrs_data()
        .unwrap();
    assert_brain_peaks(&data, &[]);
}

#[test]
fn ima_nan_sample() {
    let mut bytes = std::fs::read(data_path(IMA)).unwrap();
    // (7FE1,1010) is the last element: 1024 float32 pairs end the file.
    let start = bytes.len() - 8 * 1024 + 8 * 5;
    bytes[start + 4..start + 8].copy_from_slice(&f32::INFINITY.to_le_bytes());
    let error = parse_dicom(&bytes).unwrap_err();
    assert!(
        matches!(error.kind, ErrorKind::NonFinite { index: 5, .. }),
        "{error}"
    );
}

#[test]
fn ima_missing_csa_frequency() {
    let mut bytes = std::fs::read(data_path(IMA)).unwrap();
    let name = b"ImagingFrequency\0";
    let at = bytes.windows(name.len()).position(|w| w == name).unwrap();
    bytes[at..at + name.len()].copy_from_slice(b"ImagingFrequencX\0");
    let error = parse_dicom(&bytes).unwrap_err();
    match &error.kind {
        ErrorKind::MissingField { field, .. } => assert_eq!(field, "CSA ImagingFrequency"),
        other => panic!("expected MissingField, got {other}"),
    }
}

#[test]
fn ima_missing_csa_point_count() {
    let mut bytes = std::fs::read(data_path(IMA)).unwrap();
    let name = b"DataPointColumns\0";
    let at = bytes.windows(name.len()).position(|w| w == name).unwrap();
    bytes[at..at + name.len()].copy_from_slice(b"DataPointColumnX\0");
    let error = parse_dicom(&bytes).unwrap_err();
    assert!(
        matches!(error.kind, ErrorKind::MissingField { .. }),
        "{error}"
    );
}

#[test]
fn ima_truncated_file() {
    let bytes = std::fs::read(data_path(IMA)).unwrap();
    for cut in [8, 4000, bytes.len() / 2] {
        let error = parse_dicom(&bytes[..bytes.len() - cut]).unwrap_err();
        assert!(
            matches!(
                error.kind,
                ErrorKind::Container { .. }
                    | ErrorKind::Truncated { .. }
                    | ErrorKind::MissingField { .. }
            ),
            "cut {cut}: {error}"
        );
    }
}

// ---------------------------------------------------------------- XA enhanced DICOM

/// Opens the XA file with dicom-object, applies `edit` and returns the re-encoded bytes.
fn edited_xa(edit: impl FnOnce(&mut InMemDicomObject)) -> Vec<u8> {
    let file = OpenFileOptions::new().open_file(data_path(XA)).unwrap();
    let meta = file.meta().clone();
    let mut object = file.into_inner();
    edit(&mut object);
    let mut bytes = Vec::new();
    object.with_exact_meta(meta).write_all(&mut bytes).unwrap();
    bytes
}

#[test]
fn xa_header_values() {
    let dicom = siemens::dicom::read(&data_path(XA), &ReadOptions::default()).unwrap();
    assert_eq!(dicom.layout, DicomLayout::Enhanced);
    assert_eq!(dicom.sop_class_uid, siemens::dicom::MR_SPECTROSCOPY_STORAGE);
    assert_eq!(dicom.n_points, 1024);
    assert_eq!(dicom.n_frames, 1);
    assert_close(
        dicom.dwell_time_s,
        1.0 / 1199.9040076793856,
        1e-15,
        "dwell time",
    );
    assert_close(
        dicom.spectrometer_frequency_mhz,
        123.255089,
        1e-15,
        "frequency",
    );
    assert_close(dicom.echo_time_s.unwrap(), 0.030, 1e-12, "TE");
    assert_close(dicom.repetition_time_s.unwrap(), 2.0, 1e-12, "TR");
    assert_close(dicom.n_averages.unwrap(), 80.0, 0.0, "averages");
    assert_close(
        dicom.chemical_shift_reference_ppm.unwrap(),
        4.7,
        0.0,
        "shift reference",
    );
    assert_close(dicom.reference_shift_ppm, 4.65, 0.0, "reference shift used");
}

#[test]
fn xa_matches_spec2nii() {
    let golden = golden("siemens_svs_xa60");
    let data = siemens::dicom::read(&data_path(XA), &ReadOptions::default())
        .unwrap()
        .to_mrs_data()
        .unwrap();
    assert_eq!(data.shape(), &[golden.n_points]);
    assert_conjugate_of_golden(data.samples().as_slice().unwrap(), &golden, 0);
    let acquisition = data.acquisition();
    // spec2nii stores 1 / SpectralWidth as the float32 NIfTI pixdim.
    assert_close(
        acquisition.dwell_time_s,
        golden.dwell_time_s,
        FLOAT32_RELATIVE,
        "dwell time",
    );
    assert_close(
        acquisition.spectrometer_frequency_mhz,
        golden.spectrometer_frequency_mhz,
        1e-15,
        "frequency",
    );
    assert_close(
        acquisition.echo_time_s.unwrap(),
        golden.echo_time_s,
        1e-12,
        "TE",
    );
}

#[test]
fn xa_water_at_reference() {
    let data = siemens::dicom::read(&data_path(XA), &ReadOptions::default())
        .unwrap()
        .to_mrs_data()
        .unwrap();
    let (magnitude, ppm) = magnitude_spectrum(&data, &[], 3.0);
    let water_ppm = tallest_peak_ppm(&magnitude, &ppm);
    assert!((water_ppm - 4.65).abs() < 0.05, "water at {water_ppm} ppm");
}

#[test]
fn xa_frames_become_dyn() {
    let bytes = edited_xa(|object| {
        let values = object
            .element(Tag(0x5600, 0x0020))
            .unwrap()
            .to_multi_float32()
            .unwrap();
        let mut doubled = values.clone();
        doubled.extend(values.iter().map(|v| v * 2.0));
        object.put(DataElement::new(
            Tag(0x5600, 0x0020),
            VR::OF,
            PrimitiveValue::F32(doubled.into()),
        ));
        object.put(DataElement::new(
            Tag(0x0028, 0x0008),
            VR::IS,
            PrimitiveValue::from("2"),
        ));
    });
    let data = parse_dicom(&bytes).unwrap().to_mrs_data().unwrap();
    assert_eq!(data.shape(), &[1024, 2]);
    assert_eq!(data.dims(), &[DimTag::Dyn]);
    let first = data.fid_at(&[0]).unwrap();
    let second = data.fid_at(&[1]).unwrap();
    assert_eq!(second.samples()[3], first.samples()[3] * 2.0);
}

#[test]
fn xa_nan_sample() {
    let bytes = edited_xa(|object| {
        let mut values = object
            .element(Tag(0x5600, 0x0020))
            .unwrap()
            .to_multi_float32()
            .unwrap();
        values[21] = f32::NAN;
        object.put(DataElement::new(
            Tag(0x5600, 0x0020),
            VR::OF,
            PrimitiveValue::F32(values.into()),
        ));
    });
    let error = parse_dicom(&bytes).unwrap_err();
    assert!(
        matches!(error.kind, ErrorKind::NonFinite { index: 10, .. }),
        "{error}"
    );
}

#[test]
fn xa_wrong_point_count() {
    for (points, truncated) in [("2048", true), ("512", false)] {
        let bytes = edited_xa(|object| {
            let value = PrimitiveValue::from(points.parse::<u32>().unwrap());
            object.put(DataElement::new(Tag(0x0028, 0x9002), VR::UL, value));
        });
        let error = parse_dicom(&bytes).unwrap_err();
        if truncated {
            assert!(matches!(error.kind, ErrorKind::Truncated { .. }), "{error}");
        } else {
            assert!(matches!(error.kind, ErrorKind::WrongSize { .. }), "{error}");
        }
    }
}

#[test]
fn xa_absurd_point_count_not_allocated() {
    let bytes = edited_xa(|object| {
        let value = PrimitiveValue::from(4_000_000_000_u32);
        object.put(DataElement::new(Tag(0x0028, 0x9002), VR::UL, value));
    });
    let error = parse_dicom(&bytes).unwrap_err();
    assert!(matches!(error.kind, ErrorKind::TooLarge { .. }), "{error}");
}

#[test]
fn xa_missing_frequency() {
    let bytes = edited_xa(|object| {
        object.remove_element(Tag(0x0018, 0x9098));
    });
    let error = parse_dicom(&bytes).unwrap_err();
    match &error.kind {
        ErrorKind::MissingField { field, .. } => {
            assert_eq!(field, "TransmitterFrequency (0018,9098)")
        }
        other => panic!("expected MissingField, got {other}"),
    }
}

#[test]
fn xa_missing_data() {
    let bytes = edited_xa(|object| {
        object.remove_element(Tag(0x5600, 0x0020));
    });
    let error = parse_dicom(&bytes).unwrap_err();
    assert!(
        matches!(error.kind, ErrorKind::MissingField { .. }),
        "{error}"
    );
}

#[test]
fn non_mrs_dicom_rejected() {
    // A minimal CT image object, built here, handed to the spectroscopy reader.
    let mut object = InMemDicomObject::new_empty();
    let put = |object: &mut InMemDicomObject, tag: Tag, vr: VR, value: &str| {
        object.put(DataElement::new(tag, vr, PrimitiveValue::from(value)));
    };
    put(
        &mut object,
        Tag(0x0008, 0x0016),
        VR::UI,
        "1.2.840.10008.5.1.4.1.1.2",
    );
    put(&mut object, Tag(0x0008, 0x0018), VR::UI, "1.2.3.4.5");
    put(&mut object, Tag(0x0008, 0x0060), VR::CS, "CT");
    put(&mut object, Tag(0x0008, 0x0070), VR::LO, "SIEMENS");

    let file = object
        .with_meta(
            FileMetaTableBuilder::new()
                .transfer_syntax("1.2.840.10008.1.2.1")
                .media_storage_sop_class_uid("1.2.840.10008.5.1.4.1.1.2"),
        )
        .unwrap();
    let mut bytes = Vec::new();
    file.write_all(&mut bytes).unwrap();

    assert!(!siemens::dicom::looks_like(&bytes));
    let error = parse_dicom(&bytes).unwrap_err();
    match &error.kind {
        ErrorKind::WrongFormat { detail, .. } => {
            assert!(detail.contains("1.2.840.10008.5.1.4.1.1.2"), "{detail}")
        }
        other => panic!("expected WrongFormat, got {other}"),
    }
}

#[test]
fn philips_dicom_rejected_by_siemens_reader() {
    let bytes = std::fs::read(data_path("philips/philips_short_te_svs.dcm")).unwrap();
    assert!(!siemens::dicom::looks_like(&bytes));
    let error = parse_dicom(&bytes).unwrap_err();
    assert!(
        matches!(error.kind, ErrorKind::WrongFormat { .. }),
        "{error}"
    );
}

#[test]
fn dicom_garbage_and_other_formats() {
    let garbage: Vec<u8> = (0..4096u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 11) as u8)
        .collect();
    for bytes in [garbage, rda_bytes()] {
        assert!(!siemens::dicom::looks_like(&bytes));
        let error = parse_dicom(&bytes).unwrap_err();
        assert!(
            matches!(error.kind, ErrorKind::WrongFormat { .. }),
            "{error}"
        );
    }
    // A DICM magic followed by garbage fails the element walk before the DICOM parser.
    let mut bytes = vec![0u8; 128];
    bytes.extend_from_slice(b"DICM");
    bytes.extend((0..2000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 7) as u8));
    let error = parse_dicom(&bytes).unwrap_err();
    assert!(
        matches!(
            error.kind,
            ErrorKind::Parse { .. } | ErrorKind::Truncated { .. }
        ),
        "{error}"
    );
}

#[test]
fn dicom_sniffing() {
    assert!(siemens::dicom::looks_like(
        &std::fs::read(data_path(IMA)).unwrap()
    ));
    assert!(siemens::dicom::looks_like(
        &std::fs::read(data_path(XA)).unwrap()
    ));
}

/// Flips bytes of the real files at pseudo-random positions (fixed seed) and checks that every
/// reader returns, with data or an error, instead of panicking.
#[test]
fn corrupted_files_never_panic() {
    let mut state = 0x9E37_79B9_7F4A_7C15_u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for file in [IMA, XA, RDA, "philips/philips_short_te_svs.dcm"] {
        let original = std::fs::read(data_path(file)).unwrap();
        for _ in 0..500 {
            let mut bytes = original.clone();
            for _ in 0..1 + next() % 8 {
                let position = (next() % bytes.len() as u64) as usize;
                bytes[position] = next() as u8;
            }
            if next() % 4 == 0 {
                bytes.truncate((next() % bytes.len() as u64) as usize);
            }
            let _ = parse_dicom(&bytes);
            let _ = parse_rda(&bytes);
            let _ = mrs_io::philips::dicom::parse(&bytes, Path::new("x"), &ReadOptions::default());
        }
    }
}

#[test]
fn huge_element_length_rejected_before_parsing() {
    let mut bytes = std::fs::read(data_path(XA)).unwrap();
    let header = b"\x00\x56\x20\x00OF\x00\x00";
    let at = bytes.windows(8).position(|w| w == header).unwrap();
    bytes[at + 8..at + 12].copy_from_slice(&0xFFFF_FF00_u32.to_le_bytes());
    let error = parse_dicom(&bytes).unwrap_err();
    match &error.kind {
        ErrorKind::Truncated { field, .. } => assert_eq!(field, "DICOM element (5600,0020)"),
        other => panic!("expected Truncated, got {other}"),
    }
}

#[test]
fn unknown_value_representation_rejected() {
    // The DICOM parser reads an unknown VR as UN with a 4-byte length: here "\x04\x00NO",
    // about 1.3 GB, which it would allocate before failing.
    let mut bytes = std::fs::read(data_path(XA)).unwrap();
    let element = b"\x18\x00\x12\x90CS\x02\x00NO";
    let at = bytes
        .windows(element.len())
        .position(|w| w == element)
        .unwrap();
    bytes[at + 4] = b'(';
    let error = parse_dicom(&bytes).unwrap_err();
    assert!(matches!(error.kind, ErrorKind::Parse { .. }), "{error}");
}

/// Re-encodes a file in implicit VR little endian, where private elements lose their VR.
fn implicit_vr_copy(file: &str) -> Vec<u8> {
    let file = OpenFileOptions::new().open_file(data_path(file)).unwrap();
    let mut meta = file.meta().clone();
    meta.transfer_syntax = "1.2.840.10008.1.2\0".to_string();
    meta.update_information_group_length();
    let mut bytes = Vec::new();
    file.into_inner()
        .with_exact_meta(meta)
        .write_all(&mut bytes)
        .unwrap();
    bytes
}

#[test]
fn implicit_vr_files_read_alike() {
    for file in [IMA, XA] {
        let bytes = implicit_vr_copy(file);
        assert_eq!(&bytes[128..132], b"DICM");
        let implicit = parse_dicom(&bytes).unwrap();
        let explicit = siemens::dicom::read(&data_path(file), &ReadOptions::default()).unwrap();
        assert_eq!(implicit.samples, explicit.samples, "{file}");
        assert_close(
            implicit.spectrometer_frequency_mhz,
            explicit.spectrometer_frequency_mhz,
            0.0,
            file,
        );
        assert_close(implicit.dwell_time_s, explicit.dwell_time_s, 0.0, file);
        assert_eq!(implicit.echo_time_s, explicit.echo_time_s, "{file}");
    }
}

#[test]
fn reference_shift_option_overrides_default() {
    let options = ReadOptions {
        reference_shift_ppm: Some(4.7),
        ..ReadOptions::default()
    };
    let rda = siemens::rda::read(&data_path(RDA), &options).unwrap();
    let dicom = siemens::dicom::read(&data_path(XA), &options).unwrap();
    for shift in [
        rda.to_mrs_data().unwrap().acquisition().reference_shift_ppm,
        dicom
            .to_mrs_data()
            .unwrap()
            .acquisition()
            .reference_shift_ppm,
    ] {
        assert_close(shift, 4.7, 0.0, "reference shift");
    }
}

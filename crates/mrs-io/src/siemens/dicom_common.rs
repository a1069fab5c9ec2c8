//! DICOM helpers shared by the Siemens and Philips spectroscopy readers: opening a file held in
//! memory, private-block lookup, typed attribute access, functional-group search, and the
//! parameters and samples of an MR Spectroscopy Storage object.

use super::dicom_lengths::check_element_lengths;
use crate::error::{ErrorKind, IoError, Result};
use crate::limits::{check_count, check_finite, MAX_POINTS, MAX_TOTAL_SAMPLES};
use crate::options::ReadOptions;
use dicom_core::value::PrimitiveValue;
use dicom_core::Tag;
use dicom_object::file::ReadPreamble;
use dicom_object::{DefaultDicomObject, InMemDicomObject, OpenFileOptions};
use mrs_core::{Acquisition, Complex64, DimTag, MrsData, Nucleus};
use ndarray::{ArrayD, IxDyn};
use std::path::Path;

/// SOP class UID of the standard "MR Spectroscopy Storage".
pub const MR_SPECTROSCOPY_STORAGE: &str = "1.2.840.10008.5.1.4.1.1.4.2";

pub(crate) mod tags {
    use dicom_core::Tag;

    pub const SOP_CLASS_UID: Tag = Tag(0x0008, 0x0016);
    pub const MANUFACTURER: Tag = Tag(0x0008, 0x0070);
    pub const NUMBER_OF_AVERAGES: Tag = Tag(0x0018, 0x0083);
    pub const REPETITION_TIME: Tag = Tag(0x0018, 0x0080);
    pub const SPECTRAL_WIDTH: Tag = Tag(0x0018, 0x9052);
    pub const CHEMICAL_SHIFT_REFERENCE: Tag = Tag(0x0018, 0x9053);
    pub const EFFECTIVE_ECHO_TIME: Tag = Tag(0x0018, 0x9082);
    pub const TRANSMITTER_FREQUENCY: Tag = Tag(0x0018, 0x9098);
    pub const RESONANT_NUCLEUS: Tag = Tag(0x0018, 0x9100);
    pub const MR_TIMING_SEQUENCE: Tag = Tag(0x0018, 0x9112);
    pub const MR_ECHO_SEQUENCE: Tag = Tag(0x0018, 0x9114);
    pub const MR_AVERAGES_SEQUENCE: Tag = Tag(0x0018, 0x9119);
    pub const WATER_REFERENCED_PHASE_CORRECTION: Tag = Tag(0x0018, 0x9199);
    pub const NUMBER_OF_FRAMES: Tag = Tag(0x0028, 0x0008);
    pub const ROWS: Tag = Tag(0x0028, 0x0010);
    pub const COLUMNS: Tag = Tag(0x0028, 0x0011);
    pub const DATA_POINT_ROWS: Tag = Tag(0x0028, 0x9001);
    pub const DATA_POINT_COLUMNS: Tag = Tag(0x0028, 0x9002);
    pub const SHARED_FUNCTIONAL_GROUPS: Tag = Tag(0x5200, 0x9229);
    pub const PER_FRAME_FUNCTIONAL_GROUPS: Tag = Tag(0x5200, 0x9230);
    pub const SPECTROSCOPY_DATA: Tag = Tag(0x5600, 0x0020);
}

pub(crate) fn reference_shift(options: &ReadOptions, nucleus: Nucleus) -> f64 {
    options
        .reference_shift_ppm
        .unwrap_or_else(|| nucleus.default_reference_shift_ppm())
}

/// Builds [`MrsData`] from frame-major samples of one voxel: one frame gives a plain FID,
/// several give a `DIM_DYN` dimension.
pub(crate) fn frames_to_mrs_data(
    path: &Path,
    samples: &[Complex64],
    n_points: usize,
    n_frames: usize,
    conjugate: bool,
    acquisition: Acquisition,
) -> Result<MrsData> {
    let at = |kind: ErrorKind| IoError::new(path, kind);
    let shape: Vec<usize> = if n_frames == 1 {
        vec![n_points]
    } else {
        vec![n_points, n_frames]
    };
    let dims = if n_frames == 1 {
        Vec::new()
    } else {
        vec![DimTag::Dyn]
    };
    // The samples are stored frame-major, and MrsData has time on axis 0, so point n of frame f
    // goes to [n, f].
    let mut values = Vec::with_capacity(n_points * n_frames);
    for n in 0..n_points {
        for f in 0..n_frames {
            let value = samples[f * n_points + n];
            values.push(if conjugate { value.conj() } else { value });
        }
    }
    let array = ArrayD::from_shape_vec(IxDyn(&shape), values).map_err(|e| {
        at(ErrorKind::Core(mrs_core::CoreError::Shape {
            detail: e.to_string(),
        }))
    })?;
    MrsData::new(array, dims, acquisition).map_err(|e| at(ErrorKind::Core(e)))
}

/// Parameters and samples of an MR Spectroscopy Storage object, shared by the Siemens XA and
/// Philips readers.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Enhanced {
    pub n_points: usize,
    pub n_frames: usize,
    pub n_voxels: usize,
    pub dwell_time_s: f64,
    pub spectrometer_frequency_mhz: f64,
    pub echo_time_s: Option<f64>,
    pub repetition_time_s: Option<f64>,
    pub n_averages: Option<f64>,
    pub nucleus: Option<Nucleus>,
    pub chemical_shift_reference_ppm: Option<f64>,
    pub samples: Vec<Complex64>,
}

impl Enhanced {
    pub(crate) fn parse(object: &InMemDicomObject) -> std::result::Result<Self, ErrorKind> {
        let n_points = required_count(
            object,
            tags::DATA_POINT_COLUMNS,
            "DataPointColumns",
            MAX_POINTS,
        )?;
        let n_point_rows =
            optional_count(object, tags::DATA_POINT_ROWS, "DataPointRows")?.unwrap_or(1);
        let n_frames =
            optional_count(object, tags::NUMBER_OF_FRAMES, "NumberOfFrames")?.unwrap_or(1);
        let n_rows = optional_count(object, tags::ROWS, "Rows")?.unwrap_or(1);
        let n_columns = optional_count(object, tags::COLUMNS, "Columns")?.unwrap_or(1);
        if n_point_rows != 1 {
            return Err(ErrorKind::Unsupported {
                what: format!(
                    "DataPointRows (0028,9001) = {n_point_rows} (two-dimensional spectra)"
                ),
            });
        }
        let n_complex = checked_product(&[n_points, n_frames, n_rows, n_columns]);
        let n_complex = check_count(
            "DataPointColumns x NumberOfFrames x Rows x Columns",
            n_complex,
            MAX_TOTAL_SAMPLES,
        )?;

        let spectral_width_hz = float(object, tags::SPECTRAL_WIDTH, "SpectralWidth")?
            .ok_or_else(|| ErrorKind::missing("SpectralWidth (0018,9052)"))?;
        // `float` already rejected non-finite values.
        if spectral_width_hz <= 0.0 {
            return Err(ErrorKind::invalid(
                "SpectralWidth (0018,9052)",
                spectral_width_hz,
                "must be positive",
            ));
        }
        let spectrometer_frequency_mhz =
            float(object, tags::TRANSMITTER_FREQUENCY, "TransmitterFrequency")?
                .ok_or_else(|| ErrorKind::missing("TransmitterFrequency (0018,9098)"))?;
        if spectrometer_frequency_mhz <= 0.0 {
            return Err(ErrorKind::invalid(
                "TransmitterFrequency (0018,9098)",
                spectrometer_frequency_mhz,
                "must be positive",
            ));
        }
        let echo_time_ms = functional_group_float(
            object,
            tags::MR_ECHO_SEQUENCE,
            tags::EFFECTIVE_ECHO_TIME,
            "EffectiveEchoTime",
        )?;
        let repetition_time_ms = functional_group_float(
            object,
            tags::MR_TIMING_SEQUENCE,
            tags::REPETITION_TIME,
            "RepetitionTime",
        )?;
        let n_averages = functional_group_float(
            object,
            tags::MR_AVERAGES_SEQUENCE,
            tags::NUMBER_OF_AVERAGES,
            "NumberOfAverages",
        )?;
        let nucleus = match string(object, tags::RESONANT_NUCLEUS) {
            Some(text) if !text.is_empty() => Some(text.parse::<Nucleus>().map_err(|e| {
                ErrorKind::invalid("ResonantNucleus (0018,9100)", &text, e.to_string())
            })?),
            _ => None,
        };
        let chemical_shift_reference_ppm = float(
            object,
            tags::CHEMICAL_SHIFT_REFERENCE,
            "ChemicalShiftReference",
        )?;

        let field = "SpectroscopyData (5600,0020)";
        let floats = float32_values(object, tags::SPECTROSCOPY_DATA)
            .ok_or_else(|| ErrorKind::missing(field))?;
        let samples = float_pairs(&floats, n_complex, field)?;
        check_finite(field, &samples)?;
        Ok(Enhanced {
            n_points,
            n_frames,
            n_voxels: n_rows * n_columns,
            dwell_time_s: 1.0 / spectral_width_hz,
            spectrometer_frequency_mhz,
            echo_time_s: echo_time_ms.map(|ms| ms * 1e-3),
            repetition_time_s: repetition_time_ms.map(|ms| ms * 1e-3),
            n_averages,
            nucleus,
            chemical_shift_reference_ppm,
            samples,
        })
    }
}

/// Returns the DICOM bytes after the preamble when the `DICM` magic is present, limited to the
/// first 64 KiB, for content sniffing.
pub(crate) fn dicom_head(bytes: &[u8]) -> Option<&[u8]> {
    let start = dicom_start(bytes)?;
    Some(&bytes[start..bytes.len().min(start + 65_536)])
}

/// Returns true when `head` names the MR Spectroscopy Storage SOP class.
pub(crate) fn is_mrs_sop(head: &[u8]) -> bool {
    contains(head, MR_SPECTROSCOPY_STORAGE.as_bytes())
}

fn dicom_start(bytes: &[u8]) -> Option<usize> {
    if bytes.len() >= 132 && &bytes[128..132] == b"DICM" {
        Some(128)
    } else if bytes.starts_with(b"DICM") {
        Some(0)
    } else {
        None
    }
}

pub(crate) fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// Opens a DICOM file held in memory, with or without the 128-byte preamble, after checking
/// that every element length fits inside the file.
pub(crate) fn open(
    bytes: &[u8],
    expected: &'static str,
) -> std::result::Result<DefaultDicomObject, ErrorKind> {
    let Some(start) = dicom_start(bytes) else {
        return Err(ErrorKind::WrongFormat {
            expected,
            detail: "no DICM magic at byte 128 or 0".to_string(),
        });
    };
    check_element_lengths(&bytes[start..])?;
    OpenFileOptions::new()
        .read_preamble(ReadPreamble::Never)
        .from_reader(&bytes[start..])
        .map_err(|e| ErrorKind::Container {
            context: "DICOM",
            source: Box::new(e),
        })
}

/// Finds the private block (the xx of (gggg,xx00)) reserved by `creator` in `group`.
pub(crate) fn private_block(object: &InMemDicomObject, group: u16, creator: &str) -> Option<u16> {
    (0x10..=0xFF_u16).find(|&element| {
        string(object, Tag(group, element)).is_some_and(|name| name.trim() == creator)
    })
}

pub(crate) fn tag_name(tag: Tag) -> String {
    format!("({:04X},{:04X})", tag.0, tag.1)
}

pub(crate) fn string(object: &InMemDicomObject, tag: Tag) -> Option<String> {
    let element = object.element_opt(tag).ok()??;
    let text = element.to_str().ok()?;
    Some(
        text.trim_matches(|c: char| c.is_whitespace() || c == '\0')
            .to_string(),
    )
}

pub(crate) fn bytes_of(object: &InMemDicomObject, tag: Tag) -> Option<Vec<u8>> {
    let element = object.element_opt(tag).ok()??;
    element.to_bytes().ok().map(|b| b.into_owned())
}

/// Reads a numeric attribute; `name` is the attribute keyword used in errors.
pub(crate) fn float(
    object: &InMemDicomObject,
    tag: Tag,
    name: &str,
) -> std::result::Result<Option<f64>, ErrorKind> {
    let Ok(Some(element)) = object.element_opt(tag) else {
        return Ok(None);
    };
    let empty = match element.value().primitive() {
        Some(PrimitiveValue::Str(text)) => text
            .trim_matches(|c: char| c.is_whitespace() || c == '\0')
            .is_empty(),
        Some(value) => value.multiplicity() == 0,
        None => false,
    };
    if empty {
        return Ok(None);
    }
    let field = format!("{name} {}", tag_name(tag));
    let value = element.to_float64().map_err(|_| {
        let excerpt = element.to_str().map(|s| s.into_owned()).unwrap_or_default();
        ErrorKind::invalid(&field, excerpt, "not a number")
    })?;
    if !value.is_finite() {
        return Err(ErrorKind::invalid(field, value, "not finite"));
    }
    Ok(Some(value))
}

fn optional_count(
    object: &InMemDicomObject,
    tag: Tag,
    name: &str,
) -> std::result::Result<Option<usize>, ErrorKind> {
    let Some(value) = float(object, tag, name)? else {
        return Ok(None);
    };
    let field = format!("{name} {}", tag_name(tag));
    if value < 1.0 || value.fract() != 0.0 {
        return Err(ErrorKind::invalid(
            field,
            value,
            "must be a positive integer",
        ));
    }
    check_count(&field, value as u64, MAX_TOTAL_SAMPLES).map(Some)
}

fn required_count(
    object: &InMemDicomObject,
    tag: Tag,
    name: &str,
    limit: u64,
) -> std::result::Result<usize, ErrorKind> {
    let field = format!("{name} {}", tag_name(tag));
    let value = optional_count(object, tag, name)?.ok_or_else(|| ErrorKind::missing(&field))?;
    check_count(&field, value as u64, limit)
}

/// Reads `element_tag` from item 0 of `sequence_tag`, looking first in the shared and then in
/// the first per-frame functional group, then at the top level.
pub(crate) fn functional_group_float(
    object: &InMemDicomObject,
    sequence_tag: Tag,
    element_tag: Tag,
    name: &str,
) -> std::result::Result<Option<f64>, ErrorKind> {
    for group_tag in [
        tags::SHARED_FUNCTIONAL_GROUPS,
        tags::PER_FRAME_FUNCTIONAL_GROUPS,
    ] {
        let Some(group) = first_item(object, group_tag) else {
            continue;
        };
        if let Some(item) = first_item(group, sequence_tag) {
            if let Some(value) = float(item, element_tag, name)? {
                return Ok(Some(value));
            }
        }
    }
    float(object, element_tag, name)
}

pub(crate) fn first_item(object: &InMemDicomObject, tag: Tag) -> Option<&InMemDicomObject> {
    object.element_opt(tag).ok()??.items()?.first()
}

/// Returns the float32 values of an OF element, or of an OB/UN element decoded little-endian.
pub(crate) fn float32_values(object: &InMemDicomObject, tag: Tag) -> Option<Vec<f32>> {
    let element = object.element_opt(tag).ok()??;
    match element.value().primitive()? {
        PrimitiveValue::F32(values) => Some(values.to_vec()),
        PrimitiveValue::U8(bytes) => Some(
            bytes
                .chunks_exact(4)
                .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                .collect(),
        ),
        PrimitiveValue::Empty => Some(Vec::new()),
        _ => None,
    }
}

/// Pairs float32 values into `n_complex` complex samples after checking the count.
pub(crate) fn float_pairs(
    floats: &[f32],
    n_complex: usize,
    field: &str,
) -> std::result::Result<Vec<Complex64>, ErrorKind> {
    let expected = n_complex as u64 * 8;
    let found = floats.len() as u64 * 4;
    if found < expected {
        return Err(ErrorKind::Truncated {
            field: field.to_string(),
            expected,
            found,
        });
    }
    if found > expected {
        return Err(ErrorKind::WrongSize {
            field: format!("{field} bytes"),
            expected,
            found,
        });
    }
    Ok(floats
        .chunks_exact(2)
        .map(|pair| Complex64::new(f64::from(pair[0]), f64::from(pair[1])))
        .collect())
}

pub(crate) fn checked_product(factors: &[usize]) -> u64 {
    factors
        .iter()
        .try_fold(1u64, |total, &n| total.checked_mul(n as u64))
        .unwrap_or(u64::MAX)
}

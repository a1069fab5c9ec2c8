//! Siemens spectroscopy DICOM in its two layouts.
//!
//! - **CSA** (pre-XA software, `.IMA`, SOP class `1.3.12.2.1107.5.9.1` "CSA Non-Image"): the
//!   parameters are in the CSA image header (0029,xx10) and the samples are little-endian
//!   float32 (real, imaginary) pairs in (7FE1,xx10), both private blocks located through their
//!   private creator. These samples are the complex conjugate of the [`mrs_core`] convention.
//! - **Enhanced** (XA software, SOP class `1.2.840.10008.5.1.4.1.1.4.2` "MR Spectroscopy
//!   Storage"): standard attributes, SpectroscopyData (5600,0020) as float32 pairs, timing in the
//!   shared or per-frame functional groups. These samples follow the [`mrs_core`] convention.
//!
//! The module also holds the DICOM helpers that [`crate::philips::dicom`] uses.

use super::csa::{self, CsaHeader};
use crate::error::{ErrorKind, IoError, Result};
use crate::limits::{check_count, check_finite, MAX_POINTS, MAX_TOTAL_SAMPLES};
use crate::options::ReadOptions;
use dicom_core::value::PrimitiveValue;
use dicom_core::Tag;
use dicom_object::file::ReadPreamble;
use dicom_object::{DefaultDicomObject, InMemDicomObject, OpenFileOptions};
use mrs_core::{Acquisition, Complex64, DimTag, MrsData, Nucleus};
use ndarray::{ArrayD, IxDyn};
use std::path::{Path, PathBuf};

/// SOP class UID of Siemens "CSA Non-Image Storage", used by pre-XA spectroscopy.
pub const CSA_NON_IMAGE_STORAGE: &str = "1.3.12.2.1107.5.9.1";
/// SOP class UID of the standard "MR Spectroscopy Storage".
pub const MR_SPECTROSCOPY_STORAGE: &str = "1.2.840.10008.5.1.4.1.1.4.2";

const FORMAT_NAME: &str = "Siemens spectroscopy DICOM";

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

/// Where the file keeps its parameters and samples.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DicomLayout {
    /// Pre-XA: CSA headers and (7FE1,xx10); samples stored conjugated.
    Csa,
    /// XA: MR Spectroscopy Storage with SpectroscopyData (5600,0020).
    Enhanced,
}

/// A parsed Siemens spectroscopy DICOM: acquisition parameters and the samples as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct SiemensDicom {
    /// The file the data came from, used to label conversion errors.
    pub path: PathBuf,
    /// Which layout the file uses.
    pub layout: DicomLayout,
    /// SOP class UID (0008,0016).
    pub sop_class_uid: String,
    /// Complex points per FID (CSA `DataPointColumns` or DataPointColumns (0028,9002)).
    pub n_points: usize,
    /// FIDs per voxel (CSA `NumberOfFrames` or NumberOfFrames (0028,0008)).
    pub n_frames: usize,
    /// Voxels (rows x columns), 1 for single-voxel spectroscopy.
    pub n_voxels: usize,
    /// Dwell time in seconds (CSA `RealDwellTime` in ns, or 1 / SpectralWidth (0018,9052)).
    pub dwell_time_s: f64,
    /// Spectrometer frequency in MHz (CSA `ImagingFrequency` or TransmitterFrequency
    /// (0018,9098)).
    pub spectrometer_frequency_mhz: f64,
    /// Echo time in seconds (CSA `EchoTime` or EffectiveEchoTime (0018,9082), stored in ms).
    pub echo_time_s: Option<f64>,
    /// Repetition time in seconds (CSA `RepetitionTime` or RepetitionTime (0018,0080), in ms).
    pub repetition_time_s: Option<f64>,
    /// Averages summed into each FID (CSA `NumberOfAverages` or NumberOfAverages (0018,0083)).
    pub n_averages: Option<f64>,
    /// Observed nucleus (CSA `ImagedNucleus` or ResonantNucleus (0018,9100)).
    pub nucleus: Nucleus,
    /// Reference shift in ppm from [`ReadOptions::reference_shift_ppm`], else the nucleus
    /// default (4.65 ppm for 1H, as spec2nii writes).
    pub reference_shift_ppm: f64,
    /// ChemicalShiftReference (0018,9053) in ppm when stored; kept for information only.
    pub chemical_shift_reference_ppm: Option<f64>,
    /// The CSA image header (CSA layout only).
    pub image_csa: Option<CsaHeader>,
    /// The CSA series header (CSA layout only), holding e.g. `MrPhoenixProtocol`.
    pub series_csa: Option<CsaHeader>,
    /// Samples as stored (not conjugated), frame-major: frame `f` of voxel `v` starts at
    /// `(v * n_frames + f) * n_points`.
    pub samples: Vec<Complex64>,
}

impl SiemensDicom {
    /// Converts into the [`mrs_core`] convention: CSA-layout samples conjugated, enhanced
    /// samples as stored; several frames become a `DIM_DYN` dimension.
    ///
    /// # Errors
    /// [`ErrorKind::Unsupported`] for more than one voxel; [`ErrorKind::Core`] when the
    /// acquisition parameters are out of range.
    pub fn to_mrs_data(&self) -> Result<MrsData> {
        if self.n_voxels != 1 {
            return Err(IoError::new(
                &self.path,
                ErrorKind::Unsupported {
                    what: format!(
                        "spectroscopic imaging DICOM with {} voxels; only single-voxel files \
                         convert",
                        self.n_voxels
                    ),
                },
            ));
        }
        let acquisition = Acquisition {
            dwell_time_s: self.dwell_time_s,
            spectrometer_frequency_mhz: self.spectrometer_frequency_mhz,
            nucleus: self.nucleus,
            reference_shift_ppm: self.reference_shift_ppm,
            echo_time_s: self.echo_time_s,
            repetition_time_s: self.repetition_time_s,
        };
        let conjugate = self.layout == DicomLayout::Csa;
        frames_to_mrs_data(
            &self.path,
            &self.samples,
            self.n_points,
            self.n_frames,
            conjugate,
            acquisition,
        )
    }
}

/// Returns true for a DICOM file whose first 64 KiB name Siemens and a spectroscopy SOP class.
pub fn looks_like(bytes: &[u8]) -> bool {
    let Some(head) = dicom_head(bytes) else {
        return false;
    };
    let siemens = contains(head, b"SIEMENS") || contains(head, b"Siemens");
    siemens && (contains(head, CSA_NON_IMAGE_STORAGE.as_bytes()) || is_mrs_sop(head))
}

/// Reads a Siemens spectroscopy DICOM file.
///
/// # Errors
/// [`ErrorKind::Os`] when the file cannot be read, else as [`parse`].
pub fn read(path: &Path, options: &ReadOptions) -> Result<SiemensDicom> {
    let bytes = std::fs::read(path).map_err(|e| IoError::new(path, ErrorKind::Os(e)))?;
    parse(&bytes, path, options)
}

/// Parses a Siemens spectroscopy DICOM held in memory; `path` only labels errors.
///
/// # Errors
/// [`ErrorKind::WrongFormat`] for a file that is not DICOM, not spectroscopy or not from
/// Siemens; [`ErrorKind::Container`] when the DICOM parser fails; [`ErrorKind::MissingField`],
/// [`ErrorKind::InvalidField`] and [`ErrorKind::TooLarge`] for header values;
/// [`ErrorKind::Truncated`] or [`ErrorKind::WrongSize`] when the sample count disagrees with the
/// header; [`ErrorKind::NonFinite`] for a NaN or infinite sample.
pub fn parse(bytes: &[u8], path: &Path, options: &ReadOptions) -> Result<SiemensDicom> {
    let at = |kind: ErrorKind| IoError::new(path, kind);
    let object = open(bytes, FORMAT_NAME).map_err(at)?;
    let sop_class_uid = string(&object, tags::SOP_CLASS_UID).unwrap_or_default();
    let manufacturer = string(&object, tags::MANUFACTURER).unwrap_or_default();
    if !manufacturer.to_ascii_uppercase().contains("SIEMENS") {
        return Err(at(ErrorKind::WrongFormat {
            expected: FORMAT_NAME,
            detail: format!("Manufacturer (0008,0070) is {manufacturer:?}"),
        }));
    }
    match sop_class_uid.as_str() {
        CSA_NON_IMAGE_STORAGE => parse_csa_layout(&object, path, sop_class_uid, options),
        MR_SPECTROSCOPY_STORAGE => {
            let enhanced = Enhanced::parse(&object).map_err(at)?;
            let nucleus = enhanced.nucleus.or(options.nucleus).unwrap_or_default();
            Ok(SiemensDicom {
                path: path.to_path_buf(),
                layout: DicomLayout::Enhanced,
                sop_class_uid,
                n_points: enhanced.n_points,
                n_frames: enhanced.n_frames,
                n_voxels: enhanced.n_voxels,
                dwell_time_s: enhanced.dwell_time_s,
                spectrometer_frequency_mhz: enhanced.spectrometer_frequency_mhz,
                echo_time_s: enhanced.echo_time_s.or(options.echo_time_s),
                repetition_time_s: enhanced.repetition_time_s,
                n_averages: enhanced.n_averages,
                nucleus,
                reference_shift_ppm: reference_shift(options, nucleus),
                chemical_shift_reference_ppm: enhanced.chemical_shift_reference_ppm,
                image_csa: None,
                series_csa: None,
                samples: enhanced.samples,
            })
        }
        other => Err(at(ErrorKind::WrongFormat {
            expected: FORMAT_NAME,
            detail: format!(
                "SOP class UID {other:?} is neither {CSA_NON_IMAGE_STORAGE} (CSA Non-Image) nor \
                 {MR_SPECTROSCOPY_STORAGE} (MR Spectroscopy)"
            ),
        })),
    }
}

fn parse_csa_layout(
    object: &InMemDicomObject,
    path: &Path,
    sop_class_uid: String,
    options: &ReadOptions,
) -> Result<SiemensDicom> {
    let at = |kind: ErrorKind| IoError::new(path, kind);
    let image_tag = csa_header_tag(object, 0x10);
    let series_tag = csa_header_tag(object, 0x20);
    let image_bytes = bytes_of(object, image_tag).ok_or_else(|| {
        at(ErrorKind::MissingField {
            field: format!("CSA image header {}", tag_name(image_tag)),
            hint: None,
        })
    })?;
    let image_csa = csa::parse(&image_bytes).map_err(at)?;
    // The series header is kept for callers; a damaged one does not stop the data being read.
    let series_csa = bytes_of(object, series_tag).and_then(|b| csa::parse(&b).ok());

    let n_points = csa_count(&image_csa, "DataPointColumns", MAX_POINTS).map_err(at)?;
    let n_rows = csa_count(&image_csa, "Rows", MAX_TOTAL_SAMPLES).map_err(at)?;
    let n_columns = csa_count(&image_csa, "Columns", MAX_TOTAL_SAMPLES).map_err(at)?;
    let n_frames = csa_count(&image_csa, "NumberOfFrames", MAX_TOTAL_SAMPLES).map_err(at)?;
    let n_voxels = n_rows * n_columns;

    let dwell_time_s = match image_csa.first_f64("RealDwellTime").map_err(at)? {
        Some(ns) if ns > 0.0 => ns * 1e-9,
        Some(ns) => {
            return Err(at(ErrorKind::invalid(
                "CSA RealDwellTime",
                ns,
                "must be positive",
            )))
        }
        None => options.dwell_time_s.ok_or_else(|| {
            at(ErrorKind::MissingField {
                field: "CSA RealDwellTime".to_string(),
                hint: Some("set ReadOptions::dwell_time_s".to_string()),
            })
        })?,
    };
    let spectrometer_frequency_mhz = match image_csa.first_f64("ImagingFrequency").map_err(at)? {
        Some(mhz) if mhz > 0.0 => mhz,
        Some(mhz) => {
            return Err(at(ErrorKind::invalid(
                "CSA ImagingFrequency",
                mhz,
                "must be positive",
            )))
        }
        None => options.spectrometer_frequency_mhz.ok_or_else(|| {
            at(ErrorKind::MissingField {
                field: "CSA ImagingFrequency".to_string(),
                hint: Some("set ReadOptions::spectrometer_frequency_mhz".to_string()),
            })
        })?,
    };
    // NOTE: spec2nii sums the alTE entries of MrPhoenixProtocol instead (which differs for
    // sequences with several echo-time parts); the CSA EchoTime is the total echo time.
    let echo_time_s = image_csa
        .first_f64("EchoTime")
        .map_err(at)?
        .map(|ms| ms * 1e-3)
        .or(options.echo_time_s);
    let repetition_time_s = image_csa
        .first_f64("RepetitionTime")
        .map_err(at)?
        .map(|ms| ms * 1e-3);
    let n_averages = image_csa.first_f64("NumberOfAverages").map_err(at)?;
    let nucleus = match image_csa.first("ImagedNucleus") {
        Some(text) => text
            .parse::<Nucleus>()
            .map_err(|e| at(ErrorKind::invalid("CSA ImagedNucleus", text, e.to_string())))?,
        None => options.nucleus.unwrap_or_default(),
    };

    let n_complex = checked_product(&[n_points, n_frames, n_voxels]);
    let n_complex = check_count(
        "DataPointColumns x NumberOfFrames x voxels",
        n_complex,
        MAX_TOTAL_SAMPLES,
    )
    .map_err(at)?;
    let data_block = private_block(object, 0x7FE1, "SIEMENS CSA NON-IMAGE");
    let data_tag = data_block.map_or(Tag(0x7FE1, 0x1010), |b| Tag(0x7FE1, b << 8 | 0x10));
    let floats = float32_values(object, data_tag).ok_or_else(|| {
        at(ErrorKind::missing(format!(
            "spectroscopy data {}",
            tag_name(data_tag)
        )))
    })?;
    let samples = float_pairs(&floats, n_complex, &tag_name(data_tag)).map_err(at)?;
    check_finite(&tag_name(data_tag), &samples).map_err(at)?;
    tracing::debug!(path = %path.display(), n_points, n_frames, "parsed Siemens CSA DICOM");

    Ok(SiemensDicom {
        path: path.to_path_buf(),
        layout: DicomLayout::Csa,
        sop_class_uid,
        n_points,
        n_frames,
        n_voxels,
        dwell_time_s,
        spectrometer_frequency_mhz,
        echo_time_s,
        repetition_time_s,
        n_averages,
        nucleus,
        reference_shift_ppm: reference_shift(options, nucleus),
        chemical_shift_reference_ppm: None,
        image_csa: Some(image_csa),
        series_csa,
        samples,
    })
}

/// Locates a CSA header element (0029,xx10 for the image, 0029,xx20 for the series) through
/// its private creator, else the first of the blocks 0x10, 0x11 and 0x12 that holds it.
fn csa_header_tag(object: &InMemDicomObject, low_byte: u16) -> Tag {
    if let Some(block) = private_block(object, 0x0029, "SIEMENS CSA HEADER") {
        return Tag(0x0029, block << 8 | low_byte);
    }
    [0x10_u16, 0x11, 0x12]
        .into_iter()
        .map(|block| Tag(0x0029, block << 8 | low_byte))
        .find(|&tag| matches!(object.element_opt(tag), Ok(Some(_))))
        .unwrap_or(Tag(0x0029, 0x1000 | low_byte))
}

fn csa_count(header: &CsaHeader, name: &str, limit: u64) -> std::result::Result<usize, ErrorKind> {
    let field = format!("CSA {name}");
    let Some(text) = header.first(name) else {
        return Err(ErrorKind::missing(field));
    };
    let value = text
        .parse::<u64>()
        .map_err(|_| ErrorKind::invalid(&field, text, "not a non-negative integer"))?;
    if value == 0 {
        return Err(ErrorKind::invalid(&field, 0, "must be at least 1"));
    }
    check_count(&field, value, limit)
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
    // Stored frame-major; MrsData wants time on axis 0, so point n of frame f goes to [n, f].
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

/// Opens a DICOM file held in memory, with or without the 128-byte preamble.
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

fn bytes_of(object: &InMemDicomObject, tag: Tag) -> Option<Vec<u8>> {
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
        let shown = element.to_str().map(|s| s.into_owned()).unwrap_or_default();
        ErrorKind::invalid(&field, shown, "not a number")
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

fn checked_product(factors: &[usize]) -> u64 {
    factors
        .iter()
        .try_fold(1u64, |total, &n| total.checked_mul(n as u64))
        .unwrap_or(u64::MAX)
}

//! Siemens spectroscopy DICOM in its two layouts.
//!
//! - **CSA** (pre-XA software, `.IMA`, SOP class `1.3.12.2.1107.5.9.1` "CSA Non-Image"): the
//!   parameters are in the CSA image header (0029,xx10) and the samples are little-endian
//!   float32 (real, imaginary) pairs in (7FE1,xx10), both private blocks located through their
//!   private creator. These samples are the complex conjugate of the [`mrs_core`] convention.
//! - **Enhanced** (XA software, SOP class `1.2.840.10008.5.1.4.1.1.4.2` "MR Spectroscopy
//!   Storage"): standard attributes, SpectroscopyData (5600,0020) as float32 pairs, timing in the
//!   shared or per-frame functional groups. These samples follow the [`mrs_core`] convention.

use super::csa::{self, CsaHeader};
use super::dicom_common::{
    bytes_of, checked_product, contains, dicom_head, float32_values, float_pairs,
    frames_to_mrs_data, is_mrs_sop, open, private_block, reference_shift, string, tag_name, tags,
    Enhanced,
};
use crate::error::{ErrorKind, IoError, Result};
use crate::limits::{check_count, check_finite, MAX_POINTS, MAX_TOTAL_SAMPLES};
use crate::options::ReadOptions;
use dicom_core::Tag;
use dicom_object::InMemDicomObject;
use mrs_core::{Acquisition, Complex64, MrsData, Nucleus};
use std::path::{Path, PathBuf};

pub use super::dicom_common::MR_SPECTROSCOPY_STORAGE;

/// SOP class UID of Siemens "CSA Non-Image Storage", used by pre-XA spectroscopy.
pub const CSA_NON_IMAGE_STORAGE: &str = "1.3.12.2.1107.5.9.1";

const FORMAT_NAME: &str = "Siemens spectroscopy DICOM";

/// Storage layout of the parameters and samples.
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
    /// Storage layout of the file.
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
    /// - [`ErrorKind::Unsupported`] for more than one voxel.
    /// - [`ErrorKind::Core`] when the acquisition parameters are out of range.
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
/// - [`ErrorKind::WrongFormat`] for a file that is not DICOM, not spectroscopy or not from
///   Siemens.
/// - [`ErrorKind::Container`] when the DICOM parser fails.
/// - [`ErrorKind::MissingField`], [`ErrorKind::InvalidField`] or [`ErrorKind::TooLarge`] for
///   header values.
/// - [`ErrorKind::Truncated`] or [`ErrorKind::WrongSize`] when the sample count disagrees with
///   the header.
/// - [`ErrorKind::NonFinite`] for a NaN or infinite sample.
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

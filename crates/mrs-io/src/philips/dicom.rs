//! Philips MR Spectroscopy DICOM (SOP class `1.2.840.10008.5.1.4.1.1.4.2`): SpectroscopyData
//! (5600,0020) as float32 (real, imaginary) pairs, one frame per FID, with the standard
//! spectroscopy attributes and the timing in the functional groups.
//!
//! When WaterReferencedPhaseCorrection (0018,9199) is `YES`, the file also contains the water
//! reference. The private per-frame sequence (2005,xx0F) of the "Philips MR Imaging DD 005"
//! block has one item per frame, and its flag (2005,xx04) of the "Philips MR Imaging DD 004"
//! block marks reference frames. Without these flags the last frame is taken as the reference,
//! as spec2nii 0.8.15 does for two-frame files. The samples follow the [`mrs_core`] convention and are kept as
//! stored. Edited (MEGA) and old-format (private data element) Philips files are not handled.

use crate::error::{ErrorKind, IoError, Result};
use crate::options::ReadOptions;
use crate::siemens::dicom_common::{
    contains, dicom_head, frames_to_mrs_data, is_mrs_sop, open, private_block, reference_shift,
    string, tags, Enhanced, MR_SPECTROSCOPY_STORAGE,
};
use dicom_core::Tag;
use dicom_object::InMemDicomObject;
use mrs_core::{Acquisition, Complex64, MrsData, Nucleus};
use std::path::{Path, PathBuf};

const FORMAT_NAME: &str = "Philips MR Spectroscopy DICOM";

/// A parsed Philips spectroscopy DICOM: acquisition parameters and every frame as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct PhilipsDicom {
    /// The file the data came from, used to label conversion errors.
    pub path: PathBuf,
    /// Complex points per FID (DataPointColumns (0028,9002)).
    pub n_points: usize,
    /// Frames (FIDs) in the file, water reference included (NumberOfFrames (0028,0008)).
    pub n_frames: usize,
    /// Voxels (Rows x Columns), 1 for single-voxel spectroscopy.
    pub n_voxels: usize,
    /// For each frame, whether it is a water reference.
    pub reference_frames: Vec<bool>,
    /// Dwell time in seconds (1 / SpectralWidth (0018,9052)).
    pub dwell_time_s: f64,
    /// Spectrometer frequency in MHz (TransmitterFrequency (0018,9098)).
    pub spectrometer_frequency_mhz: f64,
    /// Echo time in seconds (EffectiveEchoTime (0018,9082), stored in ms).
    pub echo_time_s: Option<f64>,
    /// Repetition time in seconds (RepetitionTime (0018,0080), stored in ms).
    pub repetition_time_s: Option<f64>,
    /// Averages per frame (NumberOfAverages (0018,0083)).
    pub n_averages: Option<f64>,
    /// Observed nucleus (ResonantNucleus (0018,9100)).
    pub nucleus: Nucleus,
    /// Reference shift in ppm from [`ReadOptions::reference_shift_ppm`], else the nucleus
    /// default (4.65 ppm for 1H, as spec2nii writes).
    pub reference_shift_ppm: f64,
    /// ChemicalShiftReference (0018,9053) in ppm when stored; kept for information only.
    pub chemical_shift_reference_ppm: Option<f64>,
    /// Samples as stored, frame-major: frame `f` is `samples[f * n_points..(f + 1) * n_points]`.
    pub samples: Vec<Complex64>,
}

impl PhilipsDicom {
    /// Converts the water-suppressed frames into the [`mrs_core`] convention (samples as
    /// stored; several frames as `DIM_DYN`).
    ///
    /// # Errors
    /// - [`ErrorKind::Unsupported`] for more than one voxel.
    /// - [`ErrorKind::MissingField`] when every frame is a water reference.
    /// - [`ErrorKind::Core`] for out-of-range parameters.
    pub fn to_mrs_data(&self) -> Result<MrsData> {
        self.frames_to_mrs_data(false)?.ok_or_else(|| {
            IoError::new(
                &self.path,
                ErrorKind::missing("water-suppressed frame (every frame is a water reference)"),
            )
        })
    }

    /// Converts the water reference frames, when the file has any.
    ///
    /// # Errors
    /// As [`PhilipsDicom::to_mrs_data`].
    pub fn to_reference_mrs_data(&self) -> Result<Option<MrsData>> {
        self.frames_to_mrs_data(true)
    }

    fn frames_to_mrs_data(&self, reference: bool) -> Result<Option<MrsData>> {
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
        let selected: Vec<Complex64> = self
            .samples
            .chunks_exact(self.n_points)
            .zip(&self.reference_frames)
            .filter(|(_, &is_reference)| is_reference == reference)
            .flat_map(|(frame, _)| frame.iter().copied())
            .collect();
        if selected.is_empty() {
            return Ok(None);
        }
        let acquisition = Acquisition {
            dwell_time_s: self.dwell_time_s,
            spectrometer_frequency_mhz: self.spectrometer_frequency_mhz,
            nucleus: self.nucleus,
            reference_shift_ppm: self.reference_shift_ppm,
            echo_time_s: self.echo_time_s,
            repetition_time_s: self.repetition_time_s,
        };
        let n_frames = selected.len() / self.n_points;
        frames_to_mrs_data(
            &self.path,
            &selected,
            self.n_points,
            n_frames,
            false,
            acquisition,
        )
        .map(Some)
    }
}

/// Returns true for a DICOM file whose first 64 KiB name Philips and the MR Spectroscopy SOP
/// class.
pub fn looks_like(bytes: &[u8]) -> bool {
    let Some(head) = dicom_head(bytes) else {
        return false;
    };
    contains(head, b"Philips") && is_mrs_sop(head)
}

/// Reads a Philips spectroscopy DICOM file.
///
/// # Errors
/// [`ErrorKind::Os`] when the file cannot be read, else as [`parse`].
pub fn read(path: &Path, options: &ReadOptions) -> Result<PhilipsDicom> {
    let bytes = std::fs::read(path).map_err(|e| IoError::new(path, ErrorKind::Os(e)))?;
    parse(&bytes, path, options)
}

/// Parses a Philips spectroscopy DICOM held in memory; `path` only labels errors.
///
/// # Errors
/// - [`ErrorKind::WrongFormat`] for a file that is not DICOM, not MR Spectroscopy Storage or
///   not from Philips.
/// - [`ErrorKind::Unsupported`] for edited (MEGA) data.
/// - [`ErrorKind::Container`] when the DICOM parser fails.
/// - [`ErrorKind::MissingField`], [`ErrorKind::InvalidField`] or [`ErrorKind::TooLarge`] for
///   header values.
/// - [`ErrorKind::Truncated`] or [`ErrorKind::WrongSize`] when the sample count disagrees with
///   the header.
/// - [`ErrorKind::NonFinite`] for a NaN or infinite sample.
pub fn parse(bytes: &[u8], path: &Path, options: &ReadOptions) -> Result<PhilipsDicom> {
    let at = |kind: ErrorKind| IoError::new(path, kind);
    let object = open(bytes, FORMAT_NAME).map_err(at)?;
    let manufacturer = string(&object, tags::MANUFACTURER).unwrap_or_default();
    if !manufacturer.to_ascii_uppercase().contains("PHILIPS") {
        return Err(at(ErrorKind::WrongFormat {
            expected: FORMAT_NAME,
            detail: format!("Manufacturer (0008,0070) is {manufacturer:?}"),
        }));
    }
    let sop_class_uid = string(&object, tags::SOP_CLASS_UID).unwrap_or_default();
    if sop_class_uid != MR_SPECTROSCOPY_STORAGE {
        return Err(at(ErrorKind::WrongFormat {
            expected: FORMAT_NAME,
            detail: format!(
                "SOP class UID {sop_class_uid:?} is not {MR_SPECTROSCOPY_STORAGE} \
                 (MR Spectroscopy Storage)"
            ),
        }));
    }
    // spec2nii reads the edited-scan flag from this fixed private tag.
    if string(&object, Tag(0x2005, 0x1597)).is_some_and(|flag| flag == "Y") {
        return Err(at(ErrorKind::Unsupported {
            what: "edited (MEGA) Philips spectroscopy DICOM".to_string(),
        }));
    }

    let enhanced = Enhanced::parse(&object).map_err(at)?;
    let reference_frames = reference_frames(&object, enhanced.n_frames);
    let nucleus = enhanced.nucleus.or(options.nucleus).unwrap_or_default();
    tracing::debug!(
        path = %path.display(),
        n_points = enhanced.n_points,
        n_frames = enhanced.n_frames,
        ?reference_frames,
        "parsed Philips DICOM"
    );
    Ok(PhilipsDicom {
        path: path.to_path_buf(),
        n_points: enhanced.n_points,
        n_frames: enhanced.n_frames,
        n_voxels: enhanced.n_voxels,
        reference_frames,
        dwell_time_s: enhanced.dwell_time_s,
        spectrometer_frequency_mhz: enhanced.spectrometer_frequency_mhz,
        echo_time_s: enhanced.echo_time_s.or(options.echo_time_s),
        repetition_time_s: enhanced.repetition_time_s,
        n_averages: enhanced.n_averages,
        nucleus,
        reference_shift_ppm: reference_shift(options, nucleus),
        chemical_shift_reference_ppm: enhanced.chemical_shift_reference_ppm,
        samples: enhanced.samples,
    })
}

/// Marks the water reference frames from the private per-frame flags, else from
/// WaterReferencedPhaseCorrection (0018,9199) with the reference as the last frame.
fn reference_frames(object: &InMemDicomObject, n_frames: usize) -> Vec<bool> {
    if let Some(flags) = private_reference_flags(object).filter(|f| f.len() == n_frames) {
        return flags;
    }
    let included = string(object, tags::WATER_REFERENCED_PHASE_CORRECTION)
        .is_some_and(|value| value.eq_ignore_ascii_case("YES"));
    (0..n_frames)
        .map(|frame| included && n_frames > 1 && frame == n_frames - 1)
        .collect()
}

fn private_reference_flags(object: &InMemDicomObject) -> Option<Vec<bool>> {
    let block = private_block(object, 0x2005, "Philips MR Imaging DD 005")?;
    let sequence = object
        .element_opt(Tag(0x2005, block << 8 | 0x0F))
        .ok()??
        .items()?;
    sequence
        .iter()
        .map(|item| {
            let item_block = private_block(item, 0x2005, "Philips MR Imaging DD 004")?;
            let flag = item
                .element_opt(Tag(0x2005, item_block << 8 | 0x04))
                .ok()??;
            flag.to_int::<i64>().ok().map(|value| value != 0)
        })
        .collect()
}

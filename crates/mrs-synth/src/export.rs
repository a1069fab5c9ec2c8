//! Export of synthetic spectra as time-domain files other fitting tools read.

use crate::error::Result;
use crate::synth::{Synthesizer, Truth, NUISANCE_NAMES};
use mrs_core::MrsData;
use mrs_io::lcmodel::raw::{self, RawWriteOptions};
use mrs_io::nifti::{self, WriteOptions};
use mrs_io::{ErrorKind, IoError};
use serde_json::{json, Map, Value};
use std::path::{Path, PathBuf};

/// File format of exported spectra.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    /// NIfTI-MRS (`.nii.gz`), complex64 samples, dwell time and frequency in the header.
    Nifti,
    /// LCModel `.RAW` with 7 significant digits. The file does not store the dwell time because
    /// LCModel reads `DELTAT` from its control file, so `truth.json` lists it.
    Lcmodel,
}

/// Name of the ground-truth file written beside exported spectra.
pub const TRUTH_FILE: &str = "truth.json";

/// Writes spectra `first_index .. first_index + n` of the dataset with `seed` into `folder`
/// as time-domain files named `synth_{index:07}.RAW` or `.nii.gz`, and their ground truth
/// (contents, nuisance values, group, dwell time and frequency) as `truth.json`.
///
/// # Errors
/// [`crate::SynthError::Io`] when a file cannot be written.
pub fn export_spectra(
    folder: &Path,
    synth: &Synthesizer,
    seed: u64,
    first_index: u64,
    n: u64,
    format: ExportFormat,
) -> Result<Vec<PathBuf>> {
    std::fs::create_dir_all(folder).map_err(|e| IoError::new(folder, ErrorKind::Os(e)))?;
    let mut paths = Vec::new();
    let mut truths = Vec::new();
    for index in first_index..first_index + n {
        let (fid, truth) = synth.generate_fid(seed, index);
        let data = MrsData::from_fid(fid);
        let path = match format {
            ExportFormat::Lcmodel => {
                let path = folder.join(format!("synth_{index:07}.RAW"));
                let options = RawWriteOptions {
                    id: format!("mrskit-synth seed {seed} index {index}"),
                    ..RawWriteOptions::default()
                };
                raw::write(&path, &data, &options)?;
                path
            }
            ExportFormat::Nifti => {
                let path = folder.join(format!("synth_{index:07}.nii.gz"));
                nifti::write(&path, &data, None, &WriteOptions::default())?;
                path
            }
        };
        truths.push(truth_json(synth, &truth, &path));
        paths.push(path);
    }
    let acquisition = synth.acquisition();
    let document = json!({
        "seed": seed,
        "dwell_time_s": acquisition.dwell_time_s,
        "spectrometer_frequency_mhz": acquisition.spectrometer_frequency_mhz,
        "reference_shift_ppm": acquisition.reference_shift_ppm,
        "n_points": synth.n_points(),
        "targets": synth.prior().targets,
        "spectra": truths,
    });
    let path = folder.join(TRUTH_FILE);
    let text = serde_json::to_string_pretty(&document).map_err(|e| {
        IoError::new(
            &path,
            ErrorKind::Container {
                context: "truth JSON",
                source: Box::new(e),
            },
        )
    })?;
    mrs_io::atomic::write_bytes_atomic(&path, text.as_bytes())?;
    Ok(paths)
}

fn truth_json(synth: &Synthesizer, truth: &Truth, path: &Path) -> Value {
    let contents: Map<String, Value> = synth
        .prior()
        .targets
        .iter()
        .zip(&truth.contents)
        .map(|(name, &value)| (name.clone(), json!(value)))
        .collect();
    let nuisance: Map<String, Value> = NUISANCE_NAMES
        .iter()
        .zip(truth.nuisance.to_array())
        .map(|(name, value)| (name.to_string(), json!(value)))
        .collect();
    json!({
        "index": truth.index,
        "file": path.file_name().map(|f| f.to_string_lossy().into_owned()),
        "group": synth.prior().groups[truth.group].name,
        "contents": contents,
        "nuisance": nuisance,
    })
}

//! Fit inputs read from files with `mrs-io`, and a fit's outputs written atomically
//! (feature `files`).
//!
//! [`read_fit_input`] accepts every time-domain format `mrs_io::read_any` detects and LCModel
//! `.COORD` files, whose phased real spectrum is fitted on its own ppm axis.
//! [`write_fit_outputs`] writes `concentrations.csv`, `fit.json` and `fit.png` into a folder,
//! each through a temporary file renamed into place.

use crate::error::FitError;
use crate::fit::{FitResult, Fitter};
use crate::plot::{write_png, PlotError, PlotOptions};
use crate::prepare::PpmSpectrum;
use mrs_core::{BasisSet, Fid};
use mrs_io::atomic::write_bytes_atomic;
use mrs_io::{read_any, Contents, ErrorKind, IoError, ReadOptions};
use rayon::prelude::*;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use thiserror::Error;

/// Name of the concentration table [`write_fit_outputs`] writes.
pub const CONCENTRATIONS_FILE: &str = "concentrations.csv";
/// Name of the full result (JSON) [`write_fit_outputs`] writes.
pub const RESULT_FILE: &str = "fit.json";
/// Name of the figure [`write_fit_outputs`] writes.
pub const FIGURE_FILE: &str = "fit.png";

/// A failure to read a fit input or to write a fit's outputs.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum FilesError {
    /// A file could not be read, has the wrong content, or could not be written.
    #[error(transparent)]
    Io(#[from] IoError),
    /// The fit rejected its input.
    #[error(transparent)]
    Fit(#[from] FitError),
    /// The figure could not be drawn or written.
    #[error(transparent)]
    Plot(#[from] PlotError),
    /// A settings file is not a valid TOML `FitConfig`.
    #[error("invalid fit settings in {path}: {source}")]
    Settings {
        /// Settings file.
        path: PathBuf,
        /// The parser's error, with the line and the field.
        source: toml::de::Error,
    },
    /// The result could not be serialised to JSON.
    #[error("serialising the fit result for {path} failed: {source}")]
    Json {
        /// Output file.
        path: PathBuf,
        /// The serialiser's error.
        source: serde_json::Error,
    },
}

/// Data to fit, as read from one file.
#[derive(Debug, Clone)]
pub enum FitInput {
    /// A time-domain signal (coil-combined and averaged when the file has several).
    Fid(Fid),
    /// A frequency-domain real spectrum on its own ppm axis (an LCModel `.COORD`).
    Ppm(PpmSpectrum),
}

impl FitInput {
    /// Applies Klose's eddy-current correction with `water`
    /// ([`Fid::eddy_current_correct_mut`]).
    ///
    /// # Errors
    /// [`FitError::Core`] when the water FID is shorter or sampled differently, and
    /// [`FitError::Shape`] for a `.COORD` spectrum, which has no FID to correct.
    pub fn eddy_current_correct(&mut self, water: &Fid) -> crate::Result<()> {
        match self {
            FitInput::Fid(fid) => Ok(fid.eddy_current_correct_mut(water)?),
            FitInput::Ppm(_) => Err(FitError::Shape {
                detail: "eddy-current correction needs a time-domain signal, not a ppm spectrum"
                    .to_string(),
            }),
        }
    }

    /// Echo time of a time-domain input, when its file gives one.
    pub fn echo_time_s(&self) -> Option<f64> {
        match self {
            FitInput::Fid(fid) => fid.acquisition().echo_time_s,
            FitInput::Ppm(_) => None,
        }
    }
}

fn wrong_contents(path: &Path, expected: &'static str, found: &Contents) -> IoError {
    let detail = match found {
        Contents::Signal(_) => "the file contains a time-domain signal",
        Contents::Basis(_) => "the file contains a basis set",
        Contents::Coord(_) => "the file contains an LCModel fit result (.COORD)",
        _ => "the file contains neither a signal nor a basis set",
    };
    IoError::new(
        path,
        ErrorKind::WrongFormat {
            expected,
            detail: detail.to_string(),
        },
    )
}

/// Reads fit settings from a TOML file: any field of [`crate::FitConfig`], the others keeping
/// their defaults. Unknown fields are rejected. The settings are not checked here; call
/// [`crate::FitConfig::check`].
///
/// # Errors
/// [`FilesError::Io`] when the file cannot be read, [`FilesError::Settings`] when it is not
/// valid TOML for a `FitConfig`.
pub fn read_fit_config(path: &Path) -> Result<crate::FitConfig, FilesError> {
    let text = std::fs::read_to_string(path).map_err(|e| IoError::new(path, ErrorKind::Os(e)))?;
    toml::from_str(&text).map_err(|source| FilesError::Settings {
        path: path.to_path_buf(),
        source,
    })
}

/// Reads a basis set in any format `mrs_io::read_any` detects as one. `centre_ppm` overrides
/// the reference shift of formats that do not store it (LCModel `.BASIS` files are read at
/// 4.65 ppm unless `centre_ppm` is given; Osprey writes them at 4.68 ppm).
///
/// # Errors
/// [`FilesError::Io`] when the file cannot be read or contains no basis set.
pub fn read_basis(path: &Path, centre_ppm: Option<f64>) -> Result<BasisSet, FilesError> {
    let options = ReadOptions {
        reference_shift_ppm: centre_ppm,
        ..ReadOptions::default()
    };
    match read_any(path, &options)?.contents {
        Contents::Basis(basis) => Ok(basis),
        other => Err(wrong_contents(path, "basis set", &other).into()),
    }
}

/// Reads the data to fit: a time-domain signal, or the phased real spectrum of an LCModel
/// `.COORD` file. `options` supplies values the file lacks (an LCModel `.RAW` has no
/// spectrometer frequency or dwell time).
///
/// # Errors
/// [`FilesError::Io`] when the file cannot be read, contains a basis set, or is a `.COORD`
/// without its spectrometer frequency (`hzpppm`) or phased data.
pub fn read_fit_input(path: &Path, options: &ReadOptions) -> Result<FitInput, FilesError> {
    match read_any(path, options)?.contents {
        Contents::Signal(data) => Ok(FitInput::Fid(
            data.to_fid().map_err(|e| IoError::new(path, e.into()))?,
        )),
        Contents::Coord(coord) => {
            let missing = |field: &str, hint: &str| {
                IoError::new(
                    path,
                    ErrorKind::MissingField {
                        field: field.to_string(),
                        hint: Some(hint.to_string()),
                    },
                )
            };
            let frequency_mhz = coord.spectrometer_frequency_mhz().ok_or_else(|| {
                missing(
                    "hzpppm",
                    "the .COORD header must give the spectrometer frequency",
                )
            })?;
            let data = coord.data.as_deref().ok_or_else(|| {
                missing(
                    "phased data",
                    "write the .COORD with LCModel's data section",
                )
            })?;
            Ok(FitInput::Ppm(PpmSpectrum::from_real(
                coord.ppm.clone(),
                data,
                frequency_mhz,
            )))
        }
        other => Err(wrong_contents(path, "data", &other).into()),
    }
}

/// Reads an unsuppressed water reference as a time-domain signal.
///
/// # Errors
/// [`FilesError::Io`] when the file cannot be read or contains no time-domain signal.
pub fn read_water_reference(path: &Path, options: &ReadOptions) -> Result<Fid, FilesError> {
    match read_any(path, options)?.contents {
        Contents::Signal(data) => Ok(data.to_fid().map_err(|e| IoError::new(path, e.into()))?),
        other => Err(wrong_contents(path, "time-domain water reference", &other).into()),
    }
}

/// Writes [`CONCENTRATIONS_FILE`], [`RESULT_FILE`] and [`FIGURE_FILE`] into `folder`,
/// creating it when needed. Each file is written to a temporary file and renamed into place,
/// so a failure leaves previous outputs whole.
///
/// # Errors
/// [`FilesError::Io`] when the folder or a file cannot be written, [`FilesError::Json`] or
/// [`FilesError::Plot`] when the result cannot be serialised or drawn.
pub fn write_fit_outputs(folder: &Path, result: &FitResult) -> Result<(), FilesError> {
    std::fs::create_dir_all(folder).map_err(|e| IoError::new(folder, ErrorKind::Os(e)))?;
    write_bytes_atomic(
        &folder.join(CONCENTRATIONS_FILE),
        result.to_csv().as_bytes(),
    )?;
    let json_path = folder.join(RESULT_FILE);
    let json = serde_json::to_string_pretty(result).map_err(|source| FilesError::Json {
        path: json_path.clone(),
        source,
    })?;
    write_bytes_atomic(&json_path, json.as_bytes())?;
    write_png(&folder.join(FIGURE_FILE), result, &PlotOptions::default())?;
    Ok(())
}

impl Fitter {
    /// Fits data read by [`read_fit_input`]: a time-domain signal with [`Fitter::fit_fid`], a
    /// ppm-axis spectrum with [`Fitter::fit_ppm_spectrum`].
    ///
    /// # Errors
    /// As the fit it calls.
    pub fn fit_input(&self, input: &FitInput) -> crate::Result<FitResult> {
        match input {
            FitInput::Fid(fid) => self.fit_fid(fid),
            FitInput::Ppm(spectrum) => self.fit_ppm_spectrum(spectrum),
        }
    }

    /// Fits many inputs in parallel on the rayon thread pool, like [`Fitter::fit_batch`].
    /// `progress(done, total)` is called after each fit, from worker threads. Results keep
    /// the input order.
    pub fn fit_inputs<F>(&self, inputs: &[FitInput], progress: F) -> Vec<crate::Result<FitResult>>
    where
        F: Fn(usize, usize) + Sync,
    {
        let done = AtomicUsize::new(0);
        let total = inputs.len();
        inputs
            .par_iter()
            .map(|input| {
                let result = self.fit_input(input);
                progress(done.fetch_add(1, Ordering::Relaxed) + 1, total);
                result
            })
            .collect()
    }
}

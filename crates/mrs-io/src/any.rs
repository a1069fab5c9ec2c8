//! Format detection from content and one entry point that reads any supported file.

use crate::error::{ErrorKind, IoError, Result};
use crate::lcmodel::coord::LcmCoord;
use crate::{jmrui, lcmodel, nifti, philips, siemens, ReadOptions};
use mrs_core::{BasisSet, MrsData};
use serde::Serialize;
use std::fmt;
use std::path::{Path, PathBuf};

/// A supported file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[non_exhaustive]
pub enum Format {
    /// NIfTI-MRS, NIfTI-1 or NIfTI-2, plain or gzip-compressed.
    NiftiMrs,
    /// LCModel `.RAW` or `.H2O` time-domain data.
    LcmodelRaw,
    /// LCModel `.BASIS` basis set.
    LcmodelBasis,
    /// LCModel `.COORD` fit output.
    LcmodelCoord,
    /// LCModel `.TABLE` fit output.
    LcmodelTable,
    /// jMRUI text export.
    JmruiText,
    /// Siemens `.rda` export.
    SiemensRda,
    /// Siemens DICOM MRS: pre-XA `.IMA` with CSA headers, or XA enhanced MR Spectroscopy.
    SiemensDicom,
    /// Philips `.sdat` data with its `.spar` parameters.
    PhilipsSdat,
    /// Philips DICOM MRS.
    PhilipsDicom,
}

impl Format {
    /// Returns a short human-readable name, e.g. `"NIfTI-MRS"`.
    pub fn name(self) -> &'static str {
        match self {
            Format::NiftiMrs => "NIfTI-MRS",
            Format::LcmodelRaw => "LCModel RAW",
            Format::LcmodelBasis => "LCModel BASIS",
            Format::LcmodelCoord => "LCModel COORD",
            Format::LcmodelTable => "LCModel TABLE",
            Format::JmruiText => "jMRUI text",
            Format::SiemensRda => "Siemens RDA",
            Format::SiemensDicom => "Siemens DICOM",
            Format::PhilipsSdat => "Philips SDAT/SPAR",
            Format::PhilipsDicom => "Philips DICOM",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Contents of a file, converted into the [`mrs_core`] conventions.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Contents {
    /// Time-domain signals of one voxel.
    Signal(MrsData),
    /// A basis set.
    Basis(BasisSet),
    /// A fit result with its frequency-domain spectrum on a ppm grid.
    Coord(Box<LcmCoord>),
}

/// A file read by [`read_any`].
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The file.
    pub path: PathBuf,
    /// The detected format.
    pub format: Format,
    /// The converted contents.
    pub contents: Contents,
}

/// The values `info` reports for a file, in SI units.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FileSummary {
    /// The file.
    pub path: PathBuf,
    /// Format name.
    pub format: String,
    /// Complex points per FID (ppm points for a COORD file).
    pub n_points: usize,
    /// Dwell time in seconds, when known.
    pub dwell_time_s: Option<f64>,
    /// Spectrometer frequency in MHz, when known.
    pub spectrometer_frequency_mhz: Option<f64>,
    /// Echo time in seconds, when known.
    pub echo_time_s: Option<f64>,
    /// Non-time dimensions with their sizes, e.g. `DIM_COIL` 4.
    pub dims: Vec<(String, usize)>,
    /// Basis entry or fitted metabolite names, for basis and fit files.
    pub names: Vec<String>,
}

impl Loaded {
    /// Summarises the file for display.
    pub fn summary(&self) -> FileSummary {
        let mut summary = FileSummary {
            path: self.path.clone(),
            format: self.format.name().to_string(),
            n_points: 0,
            dwell_time_s: None,
            spectrometer_frequency_mhz: None,
            echo_time_s: None,
            dims: Vec::new(),
            names: Vec::new(),
        };
        match &self.contents {
            Contents::Signal(data) => {
                let acquisition = data.acquisition();
                summary.n_points = data.n_points();
                summary.dwell_time_s = Some(acquisition.dwell_time_s);
                summary.spectrometer_frequency_mhz = Some(acquisition.spectrometer_frequency_mhz);
                summary.echo_time_s = acquisition.echo_time_s;
                summary.dims = data
                    .dims()
                    .iter()
                    .zip(&data.shape()[1..])
                    .map(|(tag, &size)| (tag.as_str().to_string(), size))
                    .collect();
            }
            Contents::Basis(basis) => {
                let acquisition = &basis.acquisition;
                summary.n_points = basis.n_points();
                summary.dwell_time_s = Some(acquisition.dwell_time_s);
                summary.spectrometer_frequency_mhz = Some(acquisition.spectrometer_frequency_mhz);
                summary.echo_time_s = acquisition.echo_time_s;
                summary.dims = vec![("entries".to_string(), basis.len())];
                summary.names = basis.names().iter().map(|s| s.to_string()).collect();
            }
            Contents::Coord(coord) => {
                summary.n_points = coord.ppm.len();
                summary.dwell_time_s = coord.dwell_time_s();
                summary.spectrometer_frequency_mhz = coord.spectrometer_frequency_mhz();
                summary.echo_time_s = coord.echo_time_s();
                summary.names = coord
                    .concentrations
                    .iter()
                    .map(|row| row.metabolite.clone())
                    .collect();
            }
        }
        summary
    }
}

/// A content check: whether the first bytes of a file look like one format.
type Sniffer = fn(&[u8]) -> bool;

/// Number of bytes that detection reads from the start of a file.
const SNIFF_BYTES: usize = 64 * 1024;

/// Detects the format of `path` from its content; the extension decides only for Philips
/// `.sdat` payloads, which have no signature (a `.spar` beside them confirms it).
///
/// # Errors
/// [`ErrorKind::Os`] when the file cannot be read; [`ErrorKind::UnknownFormat`] with a preview
/// of the first bytes when no format matches.
pub fn detect(path: &Path) -> Result<Format> {
    use std::io::Read;
    let mut head = Vec::with_capacity(SNIFF_BYTES);
    std::fs::File::open(path)
        .and_then(|file| file.take(SNIFF_BYTES as u64).read_to_end(&mut head))
        .map_err(|e| IoError::new(path, ErrorKind::Os(e)))?;
    detect_bytes(&head, path)
}

/// Detects the format of a file from its first bytes (at least 64 KiB when the file is longer).
///
/// # Errors
/// [`ErrorKind::UnknownFormat`] when no format matches.
pub fn detect_bytes(head: &[u8], path: &Path) -> Result<Format> {
    let checks: [(Sniffer, Format); 9] = [
        (nifti::looks_like, Format::NiftiMrs),
        (siemens::dicom::looks_like, Format::SiemensDicom),
        (philips::dicom::looks_like, Format::PhilipsDicom),
        (siemens::rda::looks_like, Format::SiemensRda),
        (jmrui::looks_like, Format::JmruiText),
        (lcmodel::basis::looks_like, Format::LcmodelBasis),
        (lcmodel::coord::looks_like, Format::LcmodelCoord),
        (lcmodel::table::looks_like, Format::LcmodelTable),
        (lcmodel::raw::looks_like, Format::LcmodelRaw),
    ];
    if let Some((_, format)) = checks.iter().find(|(looks_like, _)| looks_like(head)) {
        return Ok(*format);
    }
    if has_extension(path, "sdat") {
        return Ok(Format::PhilipsSdat);
    }
    if has_extension(path, "spar") && philips::sdat::looks_like(head) {
        return Ok(Format::PhilipsSdat);
    }
    Err(IoError::new(
        path,
        ErrorKind::UnknownFormat {
            detail: preview(head),
        },
    ))
}

fn has_extension(path: &Path, extension: &str) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case(extension))
}

/// Describes the first bytes: printable text is quoted, binary is shown in hex.
fn preview(head: &[u8]) -> String {
    if head.is_empty() {
        return "empty file".to_string();
    }
    let first = &head[..head.len().min(24)];
    if first
        .iter()
        .all(|&b| b.is_ascii_graphic() || b == b' ' || b == b'\n' || b == b'\r' || b == b'\t')
    {
        format!("starts with {:?}", String::from_utf8_lossy(first))
    } else {
        let hex: Vec<String> = first.iter().map(|b| format!("{b:02x}")).collect();
        format!("starts with bytes {}", hex.join(" "))
    }
}

/// Reads any supported file and converts it into the [`mrs_core`] conventions.
///
/// A NIfTI-MRS file whose `dim_5_header` lists basis entry names reads as a basis set (see
/// [`nifti::write_basis`]). An LCModel `.RAW` without its frequency or dwell time takes them from `options`, or else
/// from an LCModel control file in the same folder whose `FILRAW` names it.
///
/// # Errors
/// Detection errors (see [`detect`]) and the errors of the format's reader.
pub fn read_any(path: &Path, options: &ReadOptions) -> Result<Loaded> {
    let format = detect(path)?;
    let contents = match format {
        Format::NiftiMrs => {
            let file = nifti::read(path, options)?;
            let lists_basis_names = file
                .metadata()
                .and_then(|m| m.get("dim_5_header"))
                .is_some_and(|h| h.get(nifti::BASIS_NAMES_KEY).is_some());
            if lists_basis_names {
                Contents::Basis(nifti::read_basis(path, options)?)
            } else {
                Contents::Signal(file.to_mrs_data()?)
            }
        }
        Format::LcmodelRaw => {
            let options = with_control_file_values(path, options);
            Contents::Signal(lcmodel::raw::read(path, &options)?.to_mrs_data()?)
        }
        Format::LcmodelBasis => {
            Contents::Basis(lcmodel::basis::read(path, options)?.to_basis_set()?)
        }
        Format::LcmodelCoord => Contents::Coord(Box::new(lcmodel::coord::read(path)?)),
        Format::LcmodelTable => Contents::Coord(Box::new(lcmodel::table::read(path)?)),
        Format::JmruiText => Contents::Signal(jmrui::read(path, options)?.to_mrs_data()?),
        Format::SiemensRda => Contents::Signal(siemens::rda::read(path, options)?.to_mrs_data()?),
        Format::SiemensDicom => {
            Contents::Signal(siemens::dicom::read(path, options)?.to_mrs_data()?)
        }
        Format::PhilipsSdat => {
            let sdat_path = sdat_path_for(path);
            Contents::Signal(philips::sdat::read(&sdat_path, options)?.to_mrs_data()?)
        }
        Format::PhilipsDicom => {
            Contents::Signal(philips::dicom::read(path, options)?.to_mrs_data()?)
        }
    };
    Ok(Loaded {
        path: path.to_path_buf(),
        format,
        contents,
    })
}

/// Largest file considered when looking for an LCModel control file beside a `.RAW`.
const MAX_CONTROL_FILE_BYTES: u64 = 256 * 1024;

/// Fills the frequency, dwell time and echo time that `options` lacks from an LCModel control
/// file in the same folder whose `FILRAW` names `raw_path`, as LCModel itself would take them.
/// Returns `options` unchanged when no such file exists.
fn with_control_file_values(raw_path: &Path, options: &ReadOptions) -> ReadOptions {
    let mut merged = options.clone();
    if merged.spectrometer_frequency_mhz.is_some() && merged.dwell_time_s.is_some() {
        return merged;
    }
    let Some(raw_name) = raw_path.file_name().and_then(|n| n.to_str()) else {
        return merged;
    };
    let folder = match raw_path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let Ok(entries) = std::fs::read_dir(folder) else {
        return merged;
    };
    for entry in entries.flatten() {
        let candidate = entry.path();
        let small_file = entry
            .metadata()
            .is_ok_and(|m| m.is_file() && m.len() <= MAX_CONTROL_FILE_BYTES);
        if !small_file || candidate == raw_path {
            continue;
        }
        let Ok(bytes) = std::fs::read(&candidate) else {
            continue;
        };
        if !lcmodel::control::looks_like(&bytes) {
            continue;
        }
        let Ok(control) = lcmodel::control::parse(&bytes, &candidate) else {
            continue;
        };
        let names_this_raw = control
            .raw_file()
            .and_then(|f| {
                Path::new(f)
                    .file_name()
                    .and_then(|n| n.to_str())
                    .map(str::to_owned)
            })
            .is_some_and(|f| f.eq_ignore_ascii_case(raw_name));
        if !names_this_raw {
            continue;
        }
        let Ok(from_control) = control.to_read_options() else {
            continue;
        };
        tracing::debug!(control = %candidate.display(), "taking missing RAW values from control file");
        merged.spectrometer_frequency_mhz = merged
            .spectrometer_frequency_mhz
            .or(from_control.spectrometer_frequency_mhz);
        merged.dwell_time_s = merged.dwell_time_s.or(from_control.dwell_time_s);
        merged.echo_time_s = merged.echo_time_s.or(from_control.echo_time_s);
        break;
    }
    merged
}

/// The `.sdat` beside a `.spar` (same stem, either case), or `path` itself.
fn sdat_path_for(path: &Path) -> PathBuf {
    if !has_extension(path, "spar") {
        return path.to_path_buf();
    }
    for extension in ["sdat", "SDAT"] {
        let candidate = path.with_extension(extension);
        if candidate.exists() {
            return candidate;
        }
    }
    path.with_extension("sdat")
}

/// A format [`write_signal`] can produce.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignalFormat {
    /// NIfTI-MRS (`.nii`, `.nii.gz`).
    NiftiMrs,
    /// LCModel `.RAW` / `.H2O`.
    LcmodelRaw,
    /// jMRUI text (`.txt`).
    JmruiText,
}

impl SignalFormat {
    /// Chooses the output format from the file name: `.nii` or `.nii.gz` is NIfTI-MRS,
    /// `.raw` or `.h2o` is LCModel, `.txt` is jMRUI text (any case).
    ///
    /// # Errors
    /// [`ErrorKind::Unsupported`] for any other extension.
    pub fn from_path(path: &Path) -> Result<Self> {
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_ascii_lowercase();
        if name.ends_with(".nii") || name.ends_with(".nii.gz") {
            Ok(SignalFormat::NiftiMrs)
        } else if name.ends_with(".raw") || name.ends_with(".h2o") {
            Ok(SignalFormat::LcmodelRaw)
        } else if name.ends_with(".txt") {
            Ok(SignalFormat::JmruiText)
        } else {
            Err(IoError::new(
                path,
                ErrorKind::Unsupported {
                    what: "output extension; use .nii, .nii.gz, .raw, .h2o or .txt".to_string(),
                },
            ))
        }
    }
}

/// Writes `data` atomically in the format its extension names (see [`SignalFormat::from_path`]),
/// with each format's default options.
///
/// # Errors
/// The format's writer errors, e.g. a format that cannot hold the data's dimensions.
pub fn write_signal(path: &Path, data: &MrsData) -> Result<()> {
    match SignalFormat::from_path(path)? {
        SignalFormat::NiftiMrs => nifti::write(path, data, None, &nifti::WriteOptions::default()),
        SignalFormat::LcmodelRaw => {
            lcmodel::raw::write(path, data, &lcmodel::raw::RawWriteOptions::default())
        }
        SignalFormat::JmruiText => jmrui::write(path, data),
    }
}

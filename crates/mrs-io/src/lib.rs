//! Readers and writers for the MRS file formats researchers have, each converting into the
//! conventions of [`mrs_core`].
//!
//! ```no_run
//! use mrs_io::{read_any, write_signal, Contents, ReadOptions};
//! use std::path::Path;
//!
//! // Read any supported file (the format is detected from its content) and save it as NIfTI-MRS.
//! let loaded = read_any(Path::new("svs_30.rda"), &ReadOptions::default())?;
//! if let Contents::Signal(data) = loaded.contents {
//!     write_signal(Path::new("svs_30.nii.gz"), &data)?;
//! }
//! # Ok::<(), mrs_io::IoError>(())
//! ```
//!
//! # Formats
//!
//! | format | module | read | write |
//! |---|---|---|---|
//! | NIfTI-MRS (NIfTI-1/2, `.nii`, `.nii.gz`, complex64/128) | [`nifti`] | yes | yes |
//! | LCModel `.RAW`/`.H2O`, `.BASIS` | [`lcmodel::raw`], [`lcmodel::basis`] | yes | yes |
//! | LCModel `.COORD`, `.TABLE`, control file | [`lcmodel::coord`], [`lcmodel::table`], [`lcmodel::control`] | yes | no |
//! | jMRUI text | [`jmrui`] | yes | yes |
//! | Siemens `.rda`, DICOM (`.IMA` with CSA headers, XA enhanced MRS) | [`siemens`] | yes | no |
//! | Philips `.sdat`/`.spar`, DICOM | [`philips`] | yes | no |
//!
//! Every module offers `parse` (from bytes), `read` (from a path) and `looks_like` (content
//! sniffing); [`read_any`] detects the format and converts. Each reader converts into the
//! [`mrs_core`] conventions: the per-module docs say which formats store the complex conjugate
//! and how times and frequencies are scaled.
//!
//! # Errors
//!
//! Every failure is an [`IoError`]: the path plus an [`ErrorKind`] naming the field and value.
//! Header sizes are checked against [`limits`] and the file length before anything is
//! allocated, and non-finite samples are rejected. Writers go through [`atomic::write_atomic`],
//! so an interrupted write never leaves a partial file.
//!
//! # Limitations
//!
//! - One voxel per [`mrs_core::MrsData`]: multi-voxel RDA, DICOM and NIfTI files parse, but
//!   converting more than one voxel is rejected.
//! - Siemens twix (`.dat`), GE P-files, Bruker and Varian formats are not read.

mod any;
pub mod atomic;
mod error;
pub mod jmrui;
pub mod lcmodel;
pub mod limits;
pub mod nifti;
mod options;
pub mod philips;
pub mod siemens;

pub use any::{
    detect, detect_bytes, read_any, write_signal, Contents, FileSummary, Format, Loaded,
    SignalFormat,
};
pub use error::{ErrorKind, IoError, Result};
pub use options::ReadOptions;

//! Readers and writers for the MRS file formats researchers have, each converting into the
//! conventions of [`mrs_core`].
//!
//! # Limitations
//!
//! Work in progress: the format modules are being filled in.

pub mod atomic;
mod error;
pub mod jmrui;
pub mod lcmodel;
pub mod limits;
pub mod nifti;
mod options;
pub mod philips;
pub mod siemens;

pub use error::{ErrorKind, IoError, Result};
pub use options::ReadOptions;

//! Siemens spectroscopy files: the `.rda` export, the pre-XA DICOM (`.IMA`) with its CSA headers,
//! and the XA enhanced MR Spectroscopy DICOM.
//!
//! # Conjugation
//!
//! The `.rda` and pre-XA DICOM files store the complex conjugate of the [`mrs_core`] convention
//! (a brain spectrum read as stored shows NAA mirrored about the receiver frequency, near
//! 7.3 ppm), so their `to_mrs_data` conjugates. The XA enhanced DICOM stores the
//! [`mrs_core`] convention and is kept as stored. Both facts are checked against spec2nii 0.8.15
//! in the integration tests.

pub mod csa;
pub mod dicom;
pub(crate) mod dicom_common;
mod dicom_lengths;
pub mod rda;

pub use csa::{CsaHeader, CsaTag};
pub use dicom::{DicomLayout, SiemensDicom};
pub use rda::Rda;

/// Decodes bytes as Latin-1 (ISO 8859-1), which maps every byte to one character.
pub(crate) fn latin1_to_string(bytes: &[u8]) -> String {
    bytes.iter().map(|&b| char::from(b)).collect()
}

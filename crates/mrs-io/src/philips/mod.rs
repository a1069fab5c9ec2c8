//! Philips spectroscopy files: the SDAT/SPAR pair and the MR Spectroscopy DICOM.
//!
//! # Conjugation
//!
//! Both formats store the [`mrs_core`] convention, so their `to_mrs_data` keeps the samples as
//! stored. spec2nii 0.8.15 conjugates both when it writes NIfTI-MRS, whose stored convention is
//! the conjugate of [`mrs_core`]'s; the integration tests check the samples against its output.

pub mod dicom;
pub mod sdat;

pub use dicom::PhilipsDicom;
pub use sdat::{vax_f32_to_f64, Sdat};

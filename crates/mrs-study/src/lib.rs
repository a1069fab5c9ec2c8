//! The steps of the liver 1H-MRS study: reading a cohort, generating a virtual cohort, fitting
//! patients and simulated spectra with NLLS, deriving group priors, scoring quantification and
//! classification, and writing the outputs and an HTML report. With the `cnn` feature (which
//! links libtorch through `mrs-cnn`), `pipeline` joins them with the qCNN and cCNN into the
//! whole study.
//!
//! The study (Bae et al., Magn Reson Med, deep-learning-aided 1H-MRS for HCC) fits the
//! spectra of prior patients per group (HBV-LC, HBV-LC-HCC) and derives one prior per group.
//! It simulates training and test sets from the priors, compares CNN quantification with
//! NLLS on the simulated test set, and classifies the test patients. Each step here is a function on
//! plain data (names, `Vec<f64>`, structs), so the CNN steps of another crate compose with
//! them.
//!
//! ```no_run
//! use mrs_study::{cohort::{Cohort, Group}, nlls, virtual_cohort};
//! use std::path::Path;
//!
//! let cohort = Cohort::load(Path::new("cohorts/virtual_liver"))?;
//! let basis = virtual_cohort::liver_basis(&virtual_cohort::VirtualCohortConfig::default())?;
//! let targets: Vec<String> = basis.names().iter().map(|n| n.to_string()).collect();
//! let fitter = nlls::liver_fitter(basis, nlls::LiverModel::SynthesisMatched)?;
//! let prior_patients: Vec<_> = Group::ALL
//!     .into_iter()
//!     .flat_map(|g| cohort.prior_patients(g))
//!     .collect();
//! let fits = nlls::fit_patients(&fitter, &cohort, &prior_patients, &targets, |_, _| {})?;
//! println!("{} prior patients fitted", fits.len());
//! # Ok::<(), mrs_study::StudyError>(())
//! ```
//!
//! # Conventions
//!
//! - Signals follow [`mrs_core`]: spectrum = `fftshift(FFT(fid))` unnormalised, a line at
//!   `+f` Hz is `exp(+i 2 pi f t)`, ppm = reference shift (4.65 by default) + Hz / MHz.
//! - Contents are in basis units, the factor multiplying each basis entry, as in
//!   [`mrs_synth`]: when the same basis simulates and fits, NLLS estimates and simulated truth
//!   share the unit. CRLBs are absolute SDs in that unit unless a name says `_percent`.
//! - Errors against truth follow [`mrs_stats`]: absolute percent error
//!   `100 |estimate - truth| / |truth|`, MAPE its mean.
//! - HBV-LC-HCC is the positive class; a probability at or above 0.5 calls it.
//! - Long steps take a `progress(done, total)` callback and log through `tracing`; nothing
//!   prints.
//!
//! # Limitations
//!
//! - A virtual cohort shows that the pipeline runs and how methods compare when the model is
//!   right. Its group differences are assumptions written in the generating prior, so it
//!   shows nothing about real patients.
//! - `cohort.csv` fields cannot be quoted, so file names cannot contain commas.

pub mod cohort;
mod error;
pub mod nlls;
#[cfg(feature = "cnn")]
pub mod pipeline;
pub mod report;
pub mod scoring;
mod svg;
pub mod virtual_cohort;

pub use error::{Result, StudyError};

//! LCModel-style linear-combination fitting of 1H MR spectra with Cramér-Rao bounds.
//!
//! The model (Provencher, Magn Reson Med 1993;30:672) is a sum of basis spectra with
//! non-negative amplitudes, broadened by a shared Lorentzian and Gaussian plus a bounded
//! Lorentzian per entry, shifted globally and per entry, phased with zero- and first-order
//! terms, on a smooth regularised baseline, over a ppm window. The amplitudes and baseline are
//! solved by non-negative least squares inside each step (variable projection); the nonlinear
//! parameters are fitted by Levenberg-Marquardt with an analytic Jacobian, from starting
//! values of a grid search over shift, phase and Gaussian width.
//!
//! Uncertainties are Cramér-Rao lower bounds from the Fisher information at the solution
//! (`J^T J / sigma^2` over all parameters, so the nonlinear parameters' correlations count),
//! with `sigma` the residual SD, reported as `%SD` like LCModel. Soft constraints (priors) on
//! per-entry shifts and widths and on amplitude ratios are extra residual rows and enter the
//! Fisher information too.
//!
//! ```no_run
//! use mrs_fit::{FitConfig, Fitter};
//! # fn run(basis: mrs_core::BasisSet, fid: mrs_core::Fid) -> Result<(), mrs_fit::FitError> {
//! let fitter = Fitter::new(basis, FitConfig::default().check()?)?;
//! let result = fitter.fit_fid(&fid)?;
//! for entry in &result.entries {
//!     println!("{} {:.3} ({:.0} %SD)", entry.name, entry.amplitude, entry.crlb_percent);
//! }
//! # Ok(()) }
//! ```
//!
//! With the `files` feature, the `files` module reads data, water references and basis sets with
//! `mrs-io` and writes a fit's table, JSON result and figure atomically.
//!
//! # Conventions
//!
//! - Spectra follow `mrs-core`: `fftshift(FFT(fid))` unnormalised; ppm increases with the
//!   index. Residuals are model minus data over the real parts (and the imaginary parts when
//!   fitted) of the window points.
//! - Shifts are positive towards higher ppm; widths are FWHM in Hz.
//! - The basis is resampled onto the data's time grid when dwell time, spectrometer frequency
//!   (within 1 %) or reference shift differ. Frequency-domain data on an arbitrary ppm axis
//!   ([`PpmSpectrum`]) are fitted by interpolating the model onto the data's ppm points.
//!
//! # Limitations
//!
//! - The ratio prior is linearised with the denominator's amplitude at the starting point.
//! - The lineshape is Voigt (shared Lorentzian and Gaussian plus a Lorentzian per entry) by
//!   default. On in-vivo spectra with distorted lines, broad multiplets can take up the skirts
//!   of the singlets, so ratios of small metabolites move with the priors
//!   ([`FitConfig::with_brain_defaults`] adds LCModel's). A free-form lineshape kernel like
//!   LCModel's is an option ([`FreeLineshape`], off by default). It is a smooth correction
//!   around the Voigt lineshape rather than LCModel's whole inhomogeneous broadening, and its
//!   smoothness is a fixed prior, not chosen from the data as LCModel chooses it.
//! - CRLBs assume white Gaussian noise and a correct model; they do not include baseline
//!   misfit beyond what the residual SD absorbs.
//! - The data's echo time is needed for water scaling; it is not used otherwise (the basis
//!   must match the sequence).

mod baseline;
pub mod components;
mod config;
mod error;
#[cfg(feature = "files")]
pub mod files;
mod fit;
mod model;
mod nnls;
#[cfg(feature = "plot")]
pub mod plot;
mod prepare;
mod quantify;
mod search;

pub use config::{
    AmplitudeRatioPrior, Baseline, BasisScale, CheckedFitConfig, Combination, FitConfig,
    FreeLineshape, LineshapePrior, ScaleReference, Tissue, WaterScaling,
    LIVER_BASELINE_KNOT_SPACING_PPM, MAX_FREE_LINESHAPE_SIDES,
};
pub use error::{FitError, Result};
pub use fit::{
    CombinationResult, EntryResult, FitReport, FitResult, FitSpectra, FittedLineshape, Fitter,
};
pub use prepare::{PpmSpectrum, MAX_FREQUENCY_MISMATCH};
pub use quantify::{
    basis_signal_per_proton, water_amplitude, WaterResult, WATER_MOLAR_MASS_G_PER_MOL,
};

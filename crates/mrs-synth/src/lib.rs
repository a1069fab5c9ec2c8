//! Data augmentation by spectral simulation: large sets of realistic synthetic spectra with
//! their ground truth, drawn from per-group priors over a basis set, for training and testing
//! quantification and classification networks and for scoring NLLS fits.
//!
//! ```
//! use mrs_core::{Acquisition, BasisSet};
//! use mrs_synth::{lines::{add_lipid_lines, default_lipid_lines}, Prior, Representation, Synthesizer};
//! use std::path::Path;
//!
//! // A basis of the five lipid lines, 1024 points at 2000 Hz and 123.2 MHz.
//! let mut basis = BasisSet::new(Acquisition::new(0.0005, 123.2)?)?;
//! let cr = mrs_synth::lines::lines_fid(&basis.acquisition, 1024, &[mrs_synth::lines::Line {
//!     shift_ppm: 3.03, amplitude: 3.0, lorentzian_fwhm_hz: 2.0, gaussian_fwhm_hz: 0.0,
//! }])?;
//! basis.push("Cr", cr)?;
//! add_lipid_lines(&mut basis, &default_lipid_lines())?;
//!
//! let text = std::fs::read_to_string(
//!     Path::new(env!("CARGO_MANIFEST_DIR")).join("priors/liver_example.toml"))?;
//! let mut prior = Prior::from_toml_str(&text, Path::new("liver_example.toml"))?;
//! prior.targets.retain(|t| t == "Cr" || t.starts_with("Lip"));
//! for group in &mut prior.groups {
//!     let targets = prior.targets.clone();
//!     group.contents.retain(|name, _| targets.contains(name));
//!     group.correlations.clear();
//! }
//! let synth = Synthesizer::new(&basis, &prior, &Representation::default())?;
//! let (spectrum, truth) = synth.generate_spectrum(7, 0);
//! assert_eq!(spectrum.n_points(), 1024);
//! assert_eq!(truth.contents.len(), 6);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Conventions
//!
//! - Signals follow [`mrs_core`]: `exp(+i 2 pi f t)` is a line at `+f` Hz, spectra are
//!   `fftshift(FFT(fid))` unscaled, arrays run from low to high ppm.
//! - Contents are the factors multiplying each basis entry ("basis units"); their meaning in
//!   mmol/L depends on how the basis was scaled.
//! - The synthesis model, the SNR definition and the random stream layout are in [`synth`].
//! - Spectrum `i` of a dataset with seed `s` depends only on `(s, i)`: the same bytes whatever
//!   the thread count or shard size.
//! - The network input is a [`Representation`]: a ppm window resampled to a fixed number of
//!   points, real or real and imaginary channels, normalised. Measured spectra go through the
//!   same [`RepresentationPlan`] as synthetic ones.
//!
//! # Limitations
//!
//! - All lines share one added Lorentzian and Gaussian width and one frequency shift; there are
//!   no per-metabolite width or shift terms.
//! - The baseline is a sum of Gaussians, not a spline; the residual water is one Voigt line.
//! - Linear interpolation onto the representation grid smooths lines narrower than two
//!   spectrum points.

pub mod dataset;
mod derive;
mod error;
pub mod export;
pub mod lines;
pub mod npy;
mod prior;
mod representation;
mod stats;
pub mod synth;

pub use dataset::{write_dataset, Dataset, DatasetConfig, Manifest, Shard};
pub use derive::{derive_group, DeriveOptions, EstimateTable};
pub use error::{Result, SynthError};
pub use prior::{
    Correlation, Distribution, GroupPrior, Prior, SpectralPrior, MAX_BASELINE_COMPONENTS,
    MAX_TARGETS, SPECTRAL_FIELDS,
};
pub use representation::{
    Channels, Normalisation, Representation, RepresentationPlan, MAX_REPRESENTATION_POINTS,
};
pub use synth::{BasisIdentity, Nuisance, Synthesizer, Truth, Workspace, NUISANCE_NAMES};

/// Frequency in Hz of centred-spectrum index `k` of `n` points.
pub(crate) fn fft_index_hz(k: usize, n: usize, acquisition: &mrs_core::Acquisition) -> f64 {
    mrs_core::fft::frequency_of_index_hz(k, n, acquisition.dwell_time_s)
}

//! Signal types and conventions shared by every mrskit crate: complex FIDs, centred spectra,
//! ppm and Hz axes, multi-dimensional data and basis sets.
//!
//! ```
//! use mrs_core::{Acquisition, Fid};
//! use num_complex::Complex64;
//! use std::f64::consts::PI;
//!
//! // A singlet 100 Hz above the receiver at 123.2 MHz, 2000 Hz bandwidth.
//! let acquisition = Acquisition::new(0.0005, 123.2)?;
//! let samples = (0..1024)
//!     .map(|n| Complex64::from_polar(1.0, 2.0 * PI * 100.0 * n as f64 * 0.0005))
//!     .collect();
//! let spectrum = Fid::new(samples, acquisition)?.to_spectrum();
//! let peak = (0..spectrum.n_points())
//!     .max_by(|&a, &b| spectrum.values()[a].norm().total_cmp(&spectrum.values()[b].norm()))
//!     .unwrap();
//! assert!((spectrum.frequency_axis_hz()[peak] - 100.0).abs() < 2.0);
//! assert!((spectrum.ppm_axis()[peak] - (4.65 + 100.0 / 123.2)).abs() < 0.02);
//! # Ok::<(), mrs_core::CoreError>(())
//! ```
//!
//! # Conventions
//!
//! Every reader in `mrs-io` converts its format into these; every other crate relies on them.
//!
//! - **Units.** Seconds, Hz, MHz, ppm and radians. Names carry the unit as a suffix
//!   (`dwell_time_s`, `spectrometer_frequency_mhz`, `offset_hz`, `phase0_rad`). Files that store
//!   milliseconds or degrees are converted at the I/O edge.
//! - **Time axis.** A FID is complex, sampled at `t_n = n * dwell_time_s` with the first point
//!   at `t = 0`. Spectral width = `1 / dwell_time_s`.
//! - **Sign.** A component `exp(+i 2 pi f t)` is a line at `+f` Hz. Formats that store the
//!   complex conjugate (LCModel `.RAW` and `.BASIS`, NIfTI-MRS from version 0.2 of the standard,
//!   Siemens RDA and pre-XA DICOM) are conjugated on reading, so a line at +100 Hz stays at
//!   +100 Hz whatever file it came from. jMRUI text is stored in this convention already.
//! - **Transform.** `spectrum = fftshift(FFT(fid))` with the forward kernel `exp(-i 2 pi k n / N)`
//!   and no scaling; the inverse divides by `N`. So Parseval reads
//!   `sum |S_k|^2 = N sum |x_n|^2`. Index `N/2` (rounded down) is 0 Hz, and point `k` is at
//!   `(k - N/2) / (N * dwell_time_s)` Hz.
//! - **ppm.** `ppm = reference_shift_ppm + offset_hz / spectrometer_frequency_mhz`. The reference
//!   shift is the chemical shift at the receiver frequency: 4.65 ppm for 1H by default (the
//!   NIfTI-MRS nominal value), configurable per signal because tools disagree (4.65, 4.68, 4.7).
//!   Hz per ppm always comes from the measured spectrometer frequency, never the nominal field.
//! - **Axis direction.** Arrays run from low to high frequency, so ppm increases with the index;
//!   plots reverse it so ppm decreases from left to right, as the field draws spectra.
//! - **First point.** Readers leave the first point as stored. [`Fid::scale_first_point_mut`]
//!   with 0.5 removes the constant offset the discrete transform otherwise adds.
//! - **Dimensions.** [`MrsData`] holds time on axis 0 and tags the others with NIfTI-MRS names
//!   ([`DimTag`]).
//!
//! # Limitations
//!
//! - One voxel per [`MrsData`]; spectroscopic imaging grids are kept by the NIfTI-MRS reader but
//!   not modelled here.
//! - Acquisition delays (a first point later than `t = 0`) are not modelled; a first-order phase
//!   on the spectrum corrects them.

mod acquisition;
mod basis;
mod data;
mod error;
pub mod fft;
mod fid;
mod nucleus;
mod spectrum;

pub use acquisition::{Acquisition, MAX_SPECTROMETER_FREQUENCY_MHZ};
pub use basis::{BasisSet, BasisSpectrum, SequenceInfo};
pub use data::{DimTag, MrsData};
pub use error::{CoreError, Result};
pub use fid::Fid;
pub use nucleus::{Nucleus, UnknownNucleus};
pub use spectrum::Spectrum;

pub use num_complex::Complex64;

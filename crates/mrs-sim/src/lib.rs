//! Density-matrix simulation of 1H spin systems into MRS basis sets, as FID-A, VeSPA and the
//! FSL-MRS simulator do.
//!
//! ```
//! use mrs_core::Acquisition;
//! use mrs_sim::{simulate_basis, Library, Sequence, SimulationParameters};
//!
//! let library = Library::builtin()?;
//! let acquisition = Acquisition::new(0.00025, 123.2)?;
//! let press = Sequence::Press { te1_s: 0.011, te2_s: 0.019 };
//! let parameters = SimulationParameters::new(acquisition, 2048, press)?;
//! let basis = simulate_basis(&library, &["Cr", "Lac", "Lip13"], &parameters)?;
//! assert_eq!(basis.names(), ["Cr", "Lac", "Lip13"]);
//! # Ok::<(), mrs_sim::SimError>(())
//! ```
//!
//! # Model
//!
//! - **Spin systems** come from a TOML library ([`Library`]): chemical shifts in ppm, 1H-1H
//!   couplings in Hz, sub-systems with relative amplitudes (glucose 36 % alpha, 64 % beta),
//!   and passive heteronuclei (31P) in the weak-coupling limit. Couplings to 14N are left out
//!   of the shipped data. Every equivalent proton is a spin of its own. Protons without
//!   couplings and with equal shift are merged into one singlet scaled by their number. Each
//!   group of protons linked by couplings is simulated separately, which is exact because
//!   uncoupled groups commute.
//! - **Hamiltonian**: Zeeman offsets from the receiver frequency plus the full scalar
//!   coupling `J I_i . I_j` (strong coupling included), diagonalised once per block of
//!   constant total `Fz`. See the engine's module docs for the basis and sign conventions.
//! - **Sequences** ([`Sequence`]) are lists of ideal hard pulses, delays and coherence-order
//!   selections standing for crusher gradients. Acquisition starts at the echo top.
//! - **Signal**: `Tr(rho F+)`, normalised so that one proton gives amplitude 1 after a
//!   90 degree pulse, with the `mrs-core` conventions: a line at `+f` Hz is `exp(+i 2 pi f t)`
//!   and ppm = reference shift (4.65 by default) + Hz / MHz. A singlet at 3.03 ppm peaks at
//!   3.03 ppm in `mrs_core::Fid::to_spectrum`.
//! - **Line width**: the basis is unbroadened by default. [`broaden_for_display`] applies a
//!   Lorentzian for plots; broad-line groups (lipids, glycogen, macromolecules) carry their
//!   own documented widths and are not J-modulated.
//! - **Other acquisitions**: [`conform`] rejects a basis made for another frequency, dwell
//!   time, reference or length, or resamples it on request ([`resample`]).

mod engine;
mod error;
mod library;
#[cfg(feature = "plot")]
pub mod plot;
mod resample;
mod sequence;
mod simulate;

pub use engine::{CoupledGroup, DensityMatrix, Line};
pub use error::{Result, SimError};
pub use library::{
    BroadLineGroup, Library, LibraryEntry, LineShape, Metabolite, PassiveSpin, SpinSystem,
    BUILTIN_LIBRARY_TOML,
};
pub use resample::{conform, resample, MismatchPolicy};
pub use sequence::{Event, Sequence};
pub use simulate::{
    broaden_for_display, metabolite_lines, run_events, simulate_basis, simulate_broad_lines,
    simulate_metabolite, synthesize_fid, SimulationParameters, MAX_COUPLED_SPINS,
    MAX_PASSIVE_SPINS, MAX_POINTS,
};

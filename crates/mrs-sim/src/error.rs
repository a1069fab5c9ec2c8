//! Errors raised while loading spin systems or simulating a basis set.

use mrs_core::CoreError;
use std::path::PathBuf;
use thiserror::Error;

/// Result alias for this crate.
pub type Result<T> = std::result::Result<T, SimError>;

/// A failure to load a spin-system library or to simulate a basis set.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum SimError {
    /// A spin-system file could not be read.
    #[error("cannot read spin-system file {path}: {source}")]
    Io {
        /// The file that failed.
        path: PathBuf,
        /// The operating-system error.
        source: std::io::Error,
    },
    /// A spin-system file is not valid TOML or does not have the expected fields.
    #[error("cannot parse spin-system library {origin}: {message}")]
    Parse {
        /// File path, or `built-in` for the data shipped with the crate.
        origin: String,
        /// The parser's message, with line and column.
        message: String,
    },
    /// A spin system or broad-line group has an invalid value.
    #[error("invalid {field} in '{entry}' ({origin}): {detail}")]
    InvalidEntry {
        /// File path, or `built-in`.
        origin: String,
        /// Metabolite or broad-line group name.
        entry: String,
        /// The offending field, e.g. `couplings_hz`.
        field: &'static str,
        /// What is wrong, with the value.
        detail: String,
    },
    /// A metabolite, broad-line group or set name is not in the library.
    #[error("unknown metabolite or set '{name}'; known names: {known}")]
    UnknownName {
        /// The requested name.
        name: String,
        /// Comma-separated names the library contains.
        known: String,
    },
    /// A strongly coupled group of spins is too large to simulate as a dense density matrix.
    #[error(
        "'{entry}' has {n_spins} mutually coupled protons; at most {max} are supported \
         (the density matrix has 4^n elements)"
    )]
    TooManySpins {
        /// Metabolite name.
        entry: String,
        /// Size of the largest coupled group.
        n_spins: usize,
        /// The limit, [`crate::MAX_COUPLED_SPINS`].
        max: usize,
    },
    /// A simulation or sequence parameter is out of range.
    #[error("invalid {name}: {value} ({reason})")]
    InvalidParameter {
        /// Parameter name, with its unit suffix.
        name: &'static str,
        /// The rejected value.
        value: f64,
        /// The valid range.
        reason: &'static str,
    },
    /// Resampling would fold signal from outside the target bandwidth into the spectrum.
    #[error(
        "cannot resample '{entry}': {percent:.1} % of its spectral energy lies outside the \
         target bandwidth of {bandwidth_hz} Hz; simulate the basis for this acquisition instead"
    )]
    OutsideBandwidth {
        /// Basis entry name.
        entry: String,
        /// Percentage of the entry's spectral energy outside the target band.
        percent: f64,
        /// Target spectral width in Hz.
        bandwidth_hz: f64,
    },
    /// An error from the shared signal types, e.g. an invalid acquisition.
    #[error(transparent)]
    Core(#[from] CoreError),
}

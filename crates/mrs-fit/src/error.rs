//! Errors for invalid fit input and configuration.
//!
//! A fit that runs but does not converge is not an error: the [`crate::FitReport`] carries the
//! termination reason.

use mrs_core::CoreError;
use thiserror::Error;

/// Result alias for this crate.
pub type Result<T> = std::result::Result<T, FitError>;

/// Invalid input to a fit: configuration, data or basis set.
#[derive(Debug, Error, Clone, PartialEq)]
#[non_exhaustive]
pub enum FitError {
    /// A configuration value is outside its valid range.
    #[error("invalid fit configuration: {name} = {value} ({reason})")]
    InvalidConfig {
        /// Field name, with its unit suffix.
        name: &'static str,
        /// The rejected value, formatted.
        value: String,
        /// The valid range.
        reason: &'static str,
    },
    /// The basis set has no usable entries.
    #[error("the basis set has no entries to fit")]
    EmptyBasis,
    /// A configuration entry names a basis entry that does not exist.
    #[error("unknown basis entry '{name}' in {field}; the basis has: {available}")]
    UnknownName {
        /// The name that was not found.
        name: String,
        /// The configuration field that used it.
        field: &'static str,
        /// Names present in the basis set, comma-separated.
        available: String,
    },
    /// Data and basis were acquired too differently to fit one with the other.
    #[error("{name} of the data ({data}) does not match the basis ({basis}): {reason}")]
    BasisMismatch {
        /// Parameter name, with its unit suffix.
        name: &'static str,
        /// Value of the data.
        data: f64,
        /// Value of the basis set.
        basis: f64,
        /// The tolerance exceeded.
        reason: &'static str,
    },
    /// A data value is NaN or infinite.
    #[error("{what} value {index} is not finite ({value})")]
    NonFinite {
        /// The input that contains the value.
        what: &'static str,
        /// Index of the first non-finite value.
        index: usize,
        /// The value, formatted.
        value: String,
    },
    /// Inputs whose lengths or shapes do not fit together.
    #[error("invalid input shape: {detail}")]
    Shape {
        /// The shape problem.
        detail: String,
    },
    /// Too few data points fall inside the fitting window.
    #[error(
        "the window {start_ppm}-{end_ppm} ppm holds {points} data points, fewer than the \
         {required} needed for {parameters} parameters"
    )]
    WindowTooSmall {
        /// Lower window edge in ppm.
        start_ppm: f64,
        /// Upper window edge in ppm.
        end_ppm: f64,
        /// Data points inside the window.
        points: usize,
        /// Points required.
        required: usize,
        /// Parameters to be fitted.
        parameters: usize,
    },
    /// Water scaling was requested but cannot be computed.
    #[error("water scaling failed: {reason}")]
    WaterScaling {
        /// The reason the concentration cannot be computed.
        reason: String,
    },
    /// An invalid signal from `mrs-core`.
    #[error(transparent)]
    Core(#[from] CoreError),
}

impl FitError {
    pub(crate) fn config(name: &'static str, value: impl ToString, reason: &'static str) -> Self {
        FitError::InvalidConfig {
            name,
            value: value.to_string(),
            reason,
        }
    }
}

//! Errors raised when a signal or its parameters are invalid.

use thiserror::Error;

/// Result alias for this crate.
pub type Result<T> = std::result::Result<T, CoreError>;

/// An invalid signal, parameter or shape.
#[derive(Debug, Error, Clone, PartialEq)]
#[non_exhaustive]
pub enum CoreError {
    /// A physical parameter is outside its valid range.
    #[error("invalid {name}: {value} ({reason})")]
    InvalidParameter {
        /// Parameter name, with its unit suffix.
        name: &'static str,
        /// The rejected value.
        value: f64,
        /// What the valid range is.
        reason: &'static str,
    },
    /// A sample is NaN or infinite.
    #[error("sample {index} is not finite ({value})")]
    NonFiniteSample {
        /// Flat index of the first non-finite sample.
        index: usize,
        /// The sample, formatted.
        value: String,
    },
    /// Two signals or a signal and an array disagree in length.
    #[error("length mismatch in {what}: expected {expected}, got {actual}")]
    LengthMismatch {
        /// Which operation found the mismatch.
        what: &'static str,
        /// Expected length.
        expected: usize,
        /// Actual length.
        actual: usize,
    },
    /// Two signals disagree in a parameter that must match.
    #[error("{name} mismatch: expected {expected}, got {actual}")]
    ParameterMismatch {
        /// Parameter name, with its unit suffix.
        name: &'static str,
        /// Expected value.
        expected: f64,
        /// Actual value.
        actual: f64,
    },
    /// A dimension was requested that the data does not have, or shapes are inconsistent.
    #[error("invalid shape: {detail}")]
    Shape {
        /// What is wrong with the shape.
        detail: String,
    },
    /// A signal with no samples.
    #[error("signal has no samples")]
    Empty,
}

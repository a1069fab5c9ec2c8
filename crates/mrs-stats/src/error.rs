//! Errors raised when a statistic cannot be computed from its input.

use thiserror::Error;

/// Result alias for this crate.
pub type Result<T> = std::result::Result<T, StatsError>;

/// Invalid input or a statistic that is undefined for the given data.
///
/// `what` fields name the argument (`"estimates"`, `"scores"`, ...) so that a caller with several
/// samples can tell which one was rejected.
#[derive(Debug, Error, Clone, PartialEq)]
#[non_exhaustive]
pub enum StatsError {
    /// A sample has no values.
    #[error("{what} is empty")]
    Empty {
        /// Name of the empty argument.
        what: &'static str,
    },
    /// Two samples that must be paired have different lengths.
    #[error("{what} has {actual} values but {expected} were expected (samples must be paired)")]
    LengthMismatch {
        /// Name of the argument with the wrong length.
        what: &'static str,
        /// Length of the first sample.
        expected: usize,
        /// Length of this sample.
        actual: usize,
    },
    /// A value is NaN or infinite.
    #[error("{what}[{index}] is not finite ({value})")]
    NonFinite {
        /// Name of the argument that contains the value.
        what: &'static str,
        /// Index of the first non-finite value.
        index: usize,
        /// The rejected value.
        value: f64,
    },
    /// Fewer values than the statistic needs.
    #[error("{what} has {actual} usable values but {statistic} needs at least {required}")]
    TooFew {
        /// Name of the argument that is too short.
        what: &'static str,
        /// The statistic that was requested.
        statistic: &'static str,
        /// Minimum number of values.
        required: usize,
        /// Number of usable values.
        actual: usize,
    },
    /// A sample without spread, for a statistic that divides by its spread.
    #[error("{what} is constant, so {statistic} is undefined")]
    Constant {
        /// Name of the constant argument or derived quantity (such as the paired differences).
        what: &'static str,
        /// The statistic that is undefined.
        statistic: &'static str,
    },
    /// A truth value of zero where a percent error was requested.
    #[error(
        "truth[{index}] is 0, so the percent error is undefined \
         (use ZeroTruthPolicy::Exclude to drop such targets)"
    )]
    ZeroTruth {
        /// Index of the first zero truth value.
        index: usize,
    },
    /// A binary classification sample that lacks one of the two classes.
    #[error("labels contain no {class} cases, so {statistic} is undefined")]
    MissingClass {
        /// `"positive"` or `"negative"`.
        class: &'static str,
        /// The statistic that is undefined.
        statistic: &'static str,
    },
    /// A parameter outside its valid range.
    #[error("invalid {name}: {value} ({reason})")]
    InvalidParameter {
        /// Parameter name.
        name: &'static str,
        /// The rejected value.
        value: f64,
        /// The valid range.
        reason: &'static str,
    },
    /// An error in the data of one named target of a multi-target comparison.
    #[error("target '{name}': {source}")]
    Target {
        /// Target name.
        name: String,
        /// The error of that target.
        source: Box<StatsError>,
    },
    /// A method that does not apply to this sample.
    #[error("{method} does not apply: {reason}")]
    MethodNotApplicable {
        /// The requested method.
        method: &'static str,
        /// Reason it does not apply, and the method to use instead.
        reason: &'static str,
    },
}

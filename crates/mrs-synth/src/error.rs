//! Errors of prior loading, synthesis and dataset reading and writing.

use std::path::PathBuf;
use thiserror::Error;

/// Result alias for this crate.
pub type Result<T> = std::result::Result<T, SynthError>;

/// The reason a prior, a synthesis set-up or a dataset was rejected.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum SynthError {
    /// A prior value is out of range or inconsistent.
    #[error("invalid prior, group '{group}', {field} = {value}: {reason}")]
    InvalidPrior {
        /// Group name (empty for fields outside the groups).
        group: String,
        /// Field path, e.g. `contents.Cr.sd` or `spectral.snr.min`.
        field: String,
        /// The rejected value, formatted.
        value: String,
        /// The valid range.
        reason: String,
    },
    /// A prior file that is not valid TOML or misses a field.
    #[error("{}: cannot parse prior: {source}", path.display())]
    PriorParse {
        /// The prior file.
        path: PathBuf,
        /// The TOML error, with line and column.
        source: Box<toml::de::Error>,
    },
    /// A prior target has no basis entry of the same name.
    #[error("basis set has no entry '{target}' (available: {available})")]
    MissingBasisEntry {
        /// The target name.
        target: String,
        /// The basis entry names, comma-separated.
        available: String,
    },
    /// A representation, dataset or table parameter is out of range.
    #[error("invalid {field} = {value}: {reason}")]
    InvalidParameter {
        /// Parameter name with its unit suffix.
        field: String,
        /// The rejected value, formatted.
        value: String,
        /// The valid range.
        reason: String,
    },
    /// A table of per-patient estimates cannot give a distribution.
    #[error("estimates for '{target}': {reason}")]
    InvalidEstimates {
        /// Target or nuisance column.
        target: String,
        /// The problem found.
        reason: String,
    },
    /// A dataset file on disk is inconsistent with its manifest or malformed.
    #[error("{}: invalid dataset file: {reason}", path.display())]
    InvalidDataset {
        /// The file.
        path: PathBuf,
        /// The problem found.
        reason: String,
    },
    /// Reading or writing a file failed.
    #[error(transparent)]
    Io(#[from] mrs_io::IoError),
    /// A signal was rejected by `mrs-core`.
    #[error(transparent)]
    Core(#[from] mrs_core::CoreError),
}

impl SynthError {
    pub(crate) fn prior(
        group: &str,
        field: impl Into<String>,
        value: impl std::fmt::Display,
        reason: impl Into<String>,
    ) -> Self {
        SynthError::InvalidPrior {
            group: group.to_string(),
            field: field.into(),
            value: value.to_string(),
            reason: reason.into(),
        }
    }

    pub(crate) fn parameter(
        field: impl Into<String>,
        value: impl std::fmt::Display,
        reason: impl Into<String>,
    ) -> Self {
        SynthError::InvalidParameter {
            field: field.into(),
            value: value.to_string(),
            reason: reason.into(),
        }
    }

    pub(crate) fn dataset(path: impl Into<PathBuf>, reason: impl Into<String>) -> Self {
        SynthError::InvalidDataset {
            path: path.into(),
            reason: reason.into(),
        }
    }
}

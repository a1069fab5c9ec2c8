//! The crate's error type.

use std::path::PathBuf;
use thiserror::Error;

/// Result alias of this crate.
pub type Result<T> = std::result::Result<T, CnnError>;

/// Failure while building, training, saving, loading or running a model.
#[derive(Debug, Error)]
pub enum CnnError {
    /// A configuration value outside its valid range.
    #[error("invalid {field} = {value}: {reason}")]
    InvalidConfig {
        /// The field, as named in the configuration.
        field: String,
        /// The offending value.
        value: String,
        /// Condition the value must satisfy.
        reason: String,
    },
    /// A requested device that is not present. There is no silent fallback.
    #[error("device {requested} is not available: {reason}")]
    DeviceUnavailable {
        /// The device as written by the user, e.g. `cuda:0`.
        requested: String,
        /// Reason it is not available.
        reason: String,
    },
    /// Input that does not match what the model was trained on.
    #[error(
        "{source_name}: {what} differs from the model's: model has {model}, input has {input}"
    )]
    Mismatch {
        /// The file or dataset that was given.
        source_name: String,
        /// The property that differs.
        what: String,
        /// The model's value.
        model: String,
        /// The input's value.
        input: String,
    },
    /// Input that cannot be turned into a network input.
    #[error("{path}: {reason}")]
    Input {
        /// The file.
        path: PathBuf,
        /// Problem found.
        reason: String,
    },
    /// A model folder that cannot be read or written.
    #[error("model {path}: {reason}")]
    Checkpoint {
        /// The file inside the model folder.
        path: PathBuf,
        /// Problem found.
        reason: String,
    },
    /// A dataset whose contents do not suit the task, e.g. a single class for a classifier.
    #[error("dataset {path}: {reason}")]
    Dataset {
        /// The dataset folder.
        path: PathBuf,
        /// Problem found.
        reason: String,
    },
    /// An error reported by libtorch.
    #[error("libtorch: {0}")]
    Torch(#[from] tch::TchError),
    /// An error of the synthesis crate (datasets, representations).
    #[error(transparent)]
    Synth(#[from] mrs_synth::SynthError),
    /// An error reading a spectrum file or writing an output.
    #[error(transparent)]
    Io(#[from] mrs_io::IoError),
    /// An error of the shared signal types.
    #[error(transparent)]
    Core(#[from] mrs_core::CoreError),
}

impl CnnError {
    /// Shorthand for [`CnnError::InvalidConfig`].
    pub(crate) fn config(
        field: impl Into<String>,
        value: impl std::fmt::Display,
        reason: impl Into<String>,
    ) -> Self {
        CnnError::InvalidConfig {
            field: field.into(),
            value: value.to_string(),
            reason: reason.into(),
        }
    }

    /// Shorthand for [`CnnError::Mismatch`].
    pub(crate) fn mismatch(
        source_name: impl Into<String>,
        what: impl Into<String>,
        model: impl std::fmt::Display,
        input: impl std::fmt::Display,
    ) -> Self {
        CnnError::Mismatch {
            source_name: source_name.into(),
            what: what.into(),
            model: model.to_string(),
            input: input.to_string(),
        }
    }

    /// Shorthand for [`CnnError::Checkpoint`].
    pub(crate) fn checkpoint(path: impl Into<PathBuf>, reason: impl Into<String>) -> Self {
        CnnError::Checkpoint {
            path: path.into(),
            reason: reason.into(),
        }
    }
}

//! Errors of every reader and writer: the file, then what is wrong with it.

use std::fmt;
use std::path::{Path, PathBuf};
use thiserror::Error;

/// Result alias for this crate.
pub type Result<T> = std::result::Result<T, IoError>;

/// A failure to read or write one file.
#[derive(Debug, Error)]
#[error("{}: {kind}", path.display())]
pub struct IoError {
    /// The file being read or written.
    pub path: PathBuf,
    /// The kind of failure.
    pub kind: ErrorKind,
}

impl IoError {
    /// Builds an error for `path`.
    pub fn new(path: impl AsRef<Path>, kind: ErrorKind) -> Self {
        IoError {
            path: path.as_ref().to_path_buf(),
            kind,
        }
    }
}

/// The kind of problem found in a file.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The operating system failed to open, read or write the file.
    #[error("{0}")]
    Os(#[from] std::io::Error),
    /// The file ends before the data its header announces.
    #[error("truncated {field}: expected {expected} bytes, found {found}")]
    Truncated {
        /// The part being read (e.g. `"data"`, `"vox_offset"`).
        field: String,
        /// Bytes the header requires.
        expected: u64,
        /// Bytes present.
        found: u64,
    },
    /// The file contains more data than its header announces.
    #[error("wrong size of {field}: expected {expected}, found {found}")]
    WrongSize {
        /// The part being checked.
        field: String,
        /// Expected count (bytes, points or values, as the field name states).
        expected: u64,
        /// Count present.
        found: u64,
    },
    /// A required header field is absent.
    #[error("missing field {field}{}", hint.as_deref().map(|h| format!(" ({h})")).unwrap_or_default())]
    MissingField {
        /// Field name as spelled in the format.
        field: String,
        /// A hint on how the caller can supply the value, when possible.
        hint: Option<String>,
    },
    /// A header field has a value that cannot be used.
    #[error("invalid {field} = {value}: {reason}")]
    InvalidField {
        /// Field name as spelled in the format.
        field: String,
        /// The value as found.
        value: String,
        /// The reason the value is rejected.
        reason: String,
    },
    /// A header size is beyond what any real MRS file holds, so nothing is allocated for it.
    #[error("{field} = {value} exceeds the limit of {limit}")]
    TooLarge {
        /// Field name as spelled in the format.
        field: String,
        /// The value as found.
        value: u64,
        /// The largest accepted value.
        limit: u64,
    },
    /// A sample is NaN or infinite.
    #[error("non-finite sample at index {index} of {field}: {value}")]
    NonFinite {
        /// The array holding it.
        field: String,
        /// Flat index of the first non-finite sample.
        index: usize,
        /// The value as read.
        value: String,
    },
    /// Text that does not parse in the place the format expects it.
    #[error("parse error at line {line}: {detail}")]
    Parse {
        /// 1-based line number (0 for binary formats).
        line: usize,
        /// The expected and the found content.
        detail: String,
    },
    /// The content does not match the format the reader expects.
    #[error("not a {expected} file: {detail}")]
    WrongFormat {
        /// The format the reader handles.
        expected: &'static str,
        /// A description of the actual content.
        detail: String,
    },
    /// The content matches no supported format.
    #[error("unrecognised file format: {detail}")]
    UnknownFormat {
        /// A description of the first bytes.
        detail: String,
    },
    /// A valid file using a feature this crate does not handle.
    #[error("unsupported: {what}")]
    Unsupported {
        /// The feature.
        what: String,
    },
    /// The data is valid but rejected by a signal-type check in `mrs-core`.
    #[error("{0}")]
    Core(#[from] mrs_core::CoreError),
    /// An error from a dependency parsing a container (DICOM, JSON, gzip).
    #[error("{context}: {source}")]
    Container {
        /// The container being decoded.
        context: &'static str,
        /// The underlying error.
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

impl ErrorKind {
    /// Builds [`ErrorKind::InvalidField`].
    pub fn invalid(
        field: impl Into<String>,
        value: impl fmt::Display,
        reason: impl Into<String>,
    ) -> Self {
        ErrorKind::InvalidField {
            field: field.into(),
            value: value.to_string(),
            reason: reason.into(),
        }
    }

    /// Builds [`ErrorKind::MissingField`] without a hint.
    pub fn missing(field: impl Into<String>) -> Self {
        ErrorKind::MissingField {
            field: field.into(),
            hint: None,
        }
    }

    /// Attaches a path.
    pub fn at(self, path: impl AsRef<Path>) -> IoError {
        IoError::new(path, self)
    }
}

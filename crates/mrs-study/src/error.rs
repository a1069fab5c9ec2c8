//! Errors of the study steps: the cohort file, line and field at fault, or the wrapped error
//! of the crate that failed.

use std::path::PathBuf;
use thiserror::Error;

/// Result alias for this crate.
pub type Result<T> = std::result::Result<T, StudyError>;

/// A failed study step.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum StudyError {
    /// The header of `cohort.csv` is not the expected one.
    #[error("{}: line {line}: header is '{found}', expected '{expected}'", path.display())]
    CohortHeader {
        /// The cohort file.
        path: PathBuf,
        /// Line number, from 1.
        line: usize,
        /// The header found.
        found: String,
        /// The header expected.
        expected: &'static str,
    },
    /// A field of a cohort file has an invalid value.
    #[error("{}: line {line}: invalid {field} '{value}': {reason}", path.display())]
    CohortField {
        /// The cohort file (`cohort.csv` or `cohort.toml`).
        path: PathBuf,
        /// Line number, from 1 (0 when the file has no line structure, such as TOML values).
        line: usize,
        /// Column or key.
        field: &'static str,
        /// The rejected value.
        value: String,
        /// The problem and the accepted values.
        reason: String,
    },
    /// Two patients share an identifier.
    #[error(
        "{}: line {line}: patient_id '{id}' is already used on line {first_line}",
        path.display()
    )]
    DuplicatePatient {
        /// The cohort file.
        path: PathBuf,
        /// Line of the second use.
        line: usize,
        /// The identifier.
        id: String,
        /// Line of the first use.
        first_line: usize,
    },
    /// A spectrum or water file named in the cohort does not exist.
    #[error(
        "{}: line {line}: {field} '{}' of patient '{id}' not found",
        path.display(),
        file.display()
    )]
    MissingFile {
        /// The cohort file.
        path: PathBuf,
        /// Line number, from 1.
        line: usize,
        /// Column: `file` or `water_file`.
        field: &'static str,
        /// The patient.
        id: String,
        /// The file as resolved against the cohort folder.
        file: PathBuf,
    },
    /// A prior patient has no group, so it cannot contribute to a group prior.
    #[error(
        "{}: line {line}: prior patient '{id}' has an empty group; prior patients need HBV-LC or HBV-LC-HCC",
        path.display()
    )]
    PriorWithoutGroup {
        /// The cohort file.
        path: PathBuf,
        /// Line number, from 1.
        line: usize,
        /// The patient.
        id: String,
    },
    /// A group has too few prior patients to derive its prior.
    #[error(
        "{}: group {group} has {found} prior patients; at least {needed} are needed to derive its prior",
        path.display()
    )]
    TooFewPriorPatients {
        /// The cohort file.
        path: PathBuf,
        /// The group name.
        group: &'static str,
        /// Prior patients found.
        found: usize,
        /// Prior patients needed.
        needed: usize,
    },
    /// A patient file contains something other than one spectrum (a basis set, several voxels).
    #[error("{}: {reason}", path.display())]
    UnsupportedFile {
        /// The file.
        path: PathBuf,
        /// The contents found and the contents expected.
        reason: String,
    },
    /// A fit of one patient or simulated spectrum failed.
    #[error("fit of {what} failed: {source}")]
    Fit {
        /// The patient identifier or simulated spectrum index.
        what: String,
        /// The fitter's error.
        #[source]
        source: mrs_fit::FitError,
    },
    /// A fit result lacks a target the study quantifies.
    #[error("fit of {what} has no entry for target {target}; fitted entries: {available}")]
    MissingTarget {
        /// The patient identifier or simulated spectrum index.
        what: String,
        /// The target name.
        target: String,
        /// Entries the fit reported.
        available: String,
    },
    /// Inputs that do not fit together: different lengths, unknown names, empty lists.
    #[error("invalid {what}: {reason}")]
    InvalidInput {
        /// The input at fault.
        what: String,
        /// The problem.
        reason: String,
    },
    /// A file could not be read or written.
    #[error(transparent)]
    Io(#[from] mrs_io::IoError),
    /// A signal operation failed.
    #[error(transparent)]
    Core(#[from] mrs_core::CoreError),
    /// Basis simulation failed.
    #[error(transparent)]
    Sim(#[from] mrs_sim::SimError),
    /// Prior, synthesis or dataset error.
    #[error(transparent)]
    Synth(#[from] mrs_synth::SynthError),
    /// A statistic could not be computed.
    #[error(transparent)]
    Stats(#[from] mrs_stats::StatsError),
    /// Fit settings are invalid.
    #[error("invalid fit settings: {0}")]
    FitConfig(#[source] mrs_fit::FitError),
    /// Training or running a CNN failed.
    #[cfg(feature = "cnn")]
    #[error(transparent)]
    Cnn(#[from] mrs_cnn::CnnError),
}

impl StudyError {
    pub(crate) fn input(what: impl Into<String>, reason: impl Into<String>) -> Self {
        StudyError::InvalidInput {
            what: what.into(),
            reason: reason.into(),
        }
    }
}

//! Paths shared by the tests.

use std::path::{Path, PathBuf};

/// Returns the root of the workspace.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Returns the folder of the bundled virtual cohort.
pub fn bundled_cohort() -> PathBuf {
    workspace_root().join("cohorts/virtual_liver")
}

/// Returns the path of the real liver spectrum (LCModel `.COORD`).
pub fn liver_coord() -> PathBuf {
    workspace_root().join("tests/data/liver/liver.COORD")
}

/// Returns the path of the prior whose spectral parameters are the template of derived
/// priors.
pub fn template_prior() -> PathBuf {
    workspace_root().join("crates/mrs-synth/priors/liver_example.toml")
}

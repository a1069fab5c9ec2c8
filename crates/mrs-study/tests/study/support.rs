//! Paths shared by the tests.

use std::path::{Path, PathBuf};

/// Root of the workspace.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The bundled virtual cohort.
pub fn bundled_cohort() -> PathBuf {
    workspace_root().join("cohorts/virtual_liver")
}

/// The real liver spectrum (LCModel `.COORD`).
pub fn liver_coord() -> PathBuf {
    workspace_root().join("tests/data/liver/liver.COORD")
}

/// The prior whose spectral parameters serve as the template of derived priors.
pub fn template_prior() -> PathBuf {
    workspace_root().join("crates/mrs-synth/priors/liver_example.toml")
}

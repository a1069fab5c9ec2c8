#!/usr/bin/env bash
# Sets up the machine (see scripts/setup.sh) and runs every check of the workspace.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=setup.sh
. scripts/setup.sh

cargo fmt --all --check
cargo test --workspace --all-targets --all-features
cargo test --workspace --doc --all-features

#!/usr/bin/env bash
# Sets up the machine (see scripts/setup.sh) and runs the main job: the liver HCC study on the
# bundled virtual cohort, with the real liver spectrum as an unlabelled patient.
#
# Extra arguments go to the pipeline, e.g. `scripts/run.sh --quick` or
# `scripts/run.sh --cohort my_cohort --out out/my_study`. Outputs land in out/liver_hcc/.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=setup.sh
. scripts/setup.sh

cargo build --release --features cnn --example liver_hcc
target/release/examples/liver_hcc "$@"

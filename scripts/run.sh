#!/usr/bin/env bash
# Sets up the machine (see scripts/setup.sh) and runs the main job on the bundled data.
#
# Until the liver study pipeline lands, the main job prints what `info` reads from every
# bundled real file.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=setup.sh
. scripts/setup.sh

cargo build --release --example info
find tests/data -type f \( -iname '*.nii' -o -iname '*.nii.gz' -o -iname '*.raw' -o -iname '*.h2o' \
    -o -iname '*.basis' -o -iname '*.coord' -o -iname '*.rda' -o -iname '*.ima' -o -iname '*.dcm' \
    -o -iname '*.sdat' -o -iname '*_jmrui.txt' \) | sort | while read -r file; do
    echo "== $file"
    target/release/examples/info "$file" || true
done

#!/usr/bin/env bash
# Sets up the machine (see scripts/setup.sh) and runs the main job on the bundled data.
#
# Until the liver study pipeline lands, the main job prints what the `info` example reads from
# every bundled real file.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=setup.sh
. scripts/setup.sh

cargo build --release --example info
info=target/release/examples/info

# The fitting-challenge .RAW files carry no frequency or dwell time; the challenge states them.
find tests/data -type f \( -iname '*.nii' -o -iname '*.nii.gz' -o -iname '*.raw' -o -iname '*.h2o' \
    -o -iname '*.basis' -o -iname '*.coord' -o -iname '*.table' -o -iname '*.rda' -o -iname '*.ima' \
    -o -iname '*.dcm' -o -iname '*.sdat' -o -iname '*_jmrui.txt' \) | sort | while read -r file; do
    case "$file" in
        tests/data/fitting-challenge/*.RAW | tests/data/fitting-challenge/*.H2O)
            "$info" "$file" --frequency-mhz 123.2 --dwell-s 0.00025 ;;
        *)
            "$info" "$file" ;;
    esac
    echo
done

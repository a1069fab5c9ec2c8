#!/usr/bin/env bash
# Runs every fuzz target for SECONDS (default 60) each, seeded with the bundled real files.
# Needs a nightly toolchain and cargo-fuzz (`cargo install cargo-fuzz`).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
seconds="${1:-60}"
data=../tests/data

seed() {
    local target=$1
    shift
    mkdir -p "corpus/$target"
    for file in "$@"; do
        # libFuzzer's default input limit is 4096 bytes: keep the first 64 KiB as a seed.
        head -c 65536 "$file" > "corpus/$target/$(basename "$file")"
    done
}

seed nifti "$data"/cross-format/metab.nii
seed jmrui "$data"/cross-format/metab_jmrui.txt
seed lcmodel_raw "$data"/cross-format/metab.RAW "$data"/lcmodel-test/data.raw
seed lcmodel_basis "$data"/lcmodel-test/3t.basis
seed lcmodel_coord "$data"/liver/liver.COORD "$data"/lcmodel-outputs/svs_97.TABLE "$data"/lcmodel-test/control.file
seed siemens_rda "$data"/siemens/SVS_30.rda
seed siemens_dicom "$data"/siemens/SVS_30.IMA "$data"/siemens/SVS_XA60.dcm
seed philips_dicom "$data"/philips/philips_short_te_svs.dcm

failed=()
for target in nifti jmrui lcmodel_raw lcmodel_basis lcmodel_coord siemens_rda siemens_dicom \
    philips_sdat philips_dicom; do
    echo "== $target ($seconds s)"
    log="$(mktemp)"
    if cargo +nightly fuzz run -O "$target" -- -max_total_time="$seconds" -max_len=65536 \
        -rss_limit_mb=2048 > "$log" 2>&1; then
        grep -E "^Done" "$log" || true
    else
        failed+=("$target")
        tail -n 40 "$log"
    fi
    rm -f "$log"
done
if [[ ${#failed[@]} -gt 0 ]]; then
    echo "failed: ${failed[*]} (crash inputs are in artifacts/)" >&2
    exit 1
fi

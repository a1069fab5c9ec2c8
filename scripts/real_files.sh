#!/usr/bin/env bash
# Runs the fit and quantify examples on every bundled real file they support, writing
# out/real_files/. quantify needs a trained qCNN: by default the one scripts/run.sh leaves in
# out/liver_hcc/models/qcnn (pass another model folder as the first argument).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=setup.sh
. scripts/setup.sh

model="${1:-out/liver_hcc/models/qcnn}"
out=out/real_files
bin=target/release/examples
challenge=tests/data/fitting-challenge
cargo build --release --features cnn --example fit --example quantify --example simulate_basis

echo "== fit"
"$bin/fit" --basis tests/data/lcmodel-test/3t.basis --data tests/data/lcmodel-test/data.raw \
    --out "$out/fit/lcmodel-test"
"$bin/fit" --basis "$challenge/basis/press3T_30ms.BASIS" --data "$challenge"/datasets/*.RAW \
    --frequency-mhz 123.2 --dwell-s 0.00025 --out "$out/fit/fitting-challenge"
"$bin/fit" --basis "$challenge/basis/press3T_30ms.BASIS" \
    --data "$challenge/cr-water-scaling/Cr_10mM_test_water_scaling.RAW" \
    --h2o "$challenge/cr-water-scaling/Cr_10mM_test_water_scaling.H2O" \
    --frequency-mhz 123.2 --dwell-s 0.00025 --te-ms 30 --out "$out/fit/cr-water-scaling"
for subject in sub-01 sub-02; do
    "$bin/fit" --basis tests/data/basis-osprey/3T_PRESS_Philips_35ms_noMM.BASIS \
        --basis-centre-ppm 4.68 --config examples/fit_water.toml \
        --data "tests/data/philips/${subject}_PRESS_35_act.sdat" \
        --h2o "tests/data/philips/${subject}_PRESS_35_ref.sdat" --out "$out/fit/$subject"
    "$bin/fit" --basis tests/data/basis-osprey/3T_PRESS_Philips_35ms_noMM.BASIS \
        --basis-centre-ppm 4.68 --config examples/fit_lineshape.toml \
        --data "tests/data/philips/${subject}_PRESS_35_act.sdat" \
        --h2o "tests/data/philips/${subject}_PRESS_35_ref.sdat" --out "$out/fit/$subject-lineshape"
done
"$bin/fit" --basis "$challenge/basis/press3T_30ms.BASIS" --data tests/data/siemens/SVS_30.rda \
    --out "$out/fit/siemens-rda"
# The liver spectrum needs a liver basis at its field: simulate one.
"$bin/simulate_basis" --sequence press --te1-ms 11 --te2-ms 19 --frequency-mhz 123.2 \
    --points 1024 --dwell-s 0.0005 --metabolites liver --out "$out/liver-basis"
"$bin/fit" --liver --basis "$out/liver-basis/basis.BASIS" --data tests/data/liver/liver.COORD \
    --window-ppm 0.2,4.0 --out "$out/fit/liver"

echo "== quantify"
"$bin/quantify" --model "$model" --out "$out/quantify/3T" --data tests/data/liver/liver.COORD \
    tests/data/siemens/SVS_30.rda \
    tests/data/siemens/SVS_30.IMA tests/data/philips/sub-01_PRESS_35_act.sdat \
    tests/data/philips/sub-02_PRESS_35_act.sdat tests/data/lcmodel-test/data.raw
"$bin/quantify" --model "$model" --out "$out/quantify/fitting-challenge" \
    --frequency-mhz 123.2 --dwell-s 0.00025 --data "$challenge"/datasets/*.RAW
# Files from another field strength (7 T) are rejected with the frequency they carry, and a
# .COORD grid that starts at 0.204 ppm with the ppm range it covers.
for file in tests/data/nifti-mrs/metab_raw.nii.gz tests/data/cross-format/metab.nii \
    tests/data/lcmodel-outputs/svs_97.COORD; do
    if "$bin/quantify" --model "$model" --out "$out/quantify/rejected" --data "$file" 2>/dev/null; then
        echo "error: $file was accepted" >&2
        exit 1
    fi
    echo "rejected as expected: $file"
done
echo "outputs in $out"

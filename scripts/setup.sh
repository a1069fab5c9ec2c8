#!/usr/bin/env bash
# Prepares a machine to build and test mrskit, idempotently, and exports the environment.
#
# Source it (`. scripts/setup.sh`) to get MRSKIT_PYTHON, LIBTORCH_USE_PYTORCH and the library
# path; run it to only install. The Python environment lives in a cache folder outside the
# clone (default ~/.cache/mrskit/venv, override with MRSKIT_CACHE) and is reinstalled only when
# scripts/requirements.txt changes.

set -euo pipefail

mrskit_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
mrskit_cache="${MRSKIT_CACHE:-$HOME/.cache/mrskit}"
mrskit_venv="$mrskit_cache/venv"
requirements="$mrskit_root/scripts/requirements.txt"

if ! command -v cargo >/dev/null 2>&1; then
    echo "error: cargo not found; install a Rust toolchain (rustup) first" >&2
    exit 1
fi

python_bin="${PYTHON:-python3}"
if ! command -v "$python_bin" >/dev/null 2>&1; then
    echo "error: $python_bin not found; install Python 3.10 or newer with venv support" >&2
    exit 1
fi

wanted_stamp="$(sha256sum "$requirements" | cut -d' ' -f1)"
stamp_file="$mrskit_venv/.mrskit-requirements.sha256"
if [[ ! -x "$mrskit_venv/bin/python" ]] || [[ "$(cat "$stamp_file" 2>/dev/null)" != "$wanted_stamp" ]]; then
    echo "mrskit: installing Python packages into $mrskit_venv (first run only)" >&2
    mkdir -p "$mrskit_cache"
    "$python_bin" -m venv "$mrskit_venv"
    "$mrskit_venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$requirements"
    echo "$wanted_stamp" > "$stamp_file"
fi

torch_lib="$("$mrskit_venv/bin/python" -c 'import os, torch; print(os.path.join(os.path.dirname(torch.__file__), "lib"))')"

export MRSKIT_PYTHON="$mrskit_venv/bin/python"
export LIBTORCH_USE_PYTORCH=1
export LD_LIBRARY_PATH="$torch_lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
# tch's build script finds libtorch through the python on PATH.
export PATH="$mrskit_venv/bin:$PATH"

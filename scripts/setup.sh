#!/usr/bin/env bash
# Prepares a machine to build and test mrskit, idempotently, and exports the environment.
#
# Source it (`. scripts/setup.sh`) to get MRSKIT_PYTHON, LIBTORCH_USE_PYTORCH and the library
# path in the current shell; run it to only install. The Python environment lives in a cache
# folder outside the clone (default ~/.cache/mrskit/venv, override with MRSKIT_CACHE) and is
# reinstalled only when scripts/requirements.txt changes. The script does not change the
# calling shell's options, so sourcing it from an interactive shell is safe.

mrskit_setup() {
    local root cache venv requirements python_bin wanted_stamp stamp_file torch_lib
    root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)" || return 1
    cache="${MRSKIT_CACHE:-$HOME/.cache/mrskit}"
    venv="$cache/venv"
    requirements="$root/scripts/requirements.txt"

    if ! command -v cargo >/dev/null 2>&1; then
        echo "error: cargo not found; install a Rust toolchain (rustup) first" >&2
        return 1
    fi
    python_bin="${PYTHON:-python3}"
    if ! command -v "$python_bin" >/dev/null 2>&1; then
        echo "error: $python_bin not found; install Python 3.10 or newer with venv support" >&2
        return 1
    fi

    wanted_stamp="$(sha256sum "$requirements" | cut -d' ' -f1)" || return 1
    stamp_file="$venv/.mrskit-requirements.sha256"
    if [[ ! -x "$venv/bin/python" ]] || [[ "$(cat "$stamp_file" 2>/dev/null)" != "$wanted_stamp" ]]; then
        echo "mrskit: installing Python packages into $venv (first run only)" >&2
        mkdir -p "$cache" || return 1
        "$python_bin" -m venv "$venv" || return 1
        "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$requirements" \
            || { echo "error: pip could not install $requirements" >&2; return 1; }
        echo "$wanted_stamp" > "$stamp_file" || return 1
    fi

    torch_lib="$("$venv/bin/python" -c \
        'import os, torch; print(os.path.join(os.path.dirname(torch.__file__), "lib"))')" \
        || { echo "error: torch is not importable from $venv" >&2; return 1; }

    export MRSKIT_PYTHON="$venv/bin/python"
    export LIBTORCH_USE_PYTORCH=1
    export LD_LIBRARY_PATH="$torch_lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
    # tch's build script finds libtorch through the python on PATH.
    export PATH="$venv/bin:$PATH"
}

if ! mrskit_setup; then
    echo "error: mrskit set-up failed" >&2
    # `return` works when the script is sourced, `exit` when it is run.
    return 1 2>/dev/null || exit 1
fi

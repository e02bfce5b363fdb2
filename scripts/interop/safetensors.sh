#!/usr/bin/env bash
# CI-friendly (numpy + safetensors, no torch): the `safetensors` package reads every safetensors
# file pipe exports, and the tiny exports hold exactly the reference tensors.
#
#   scripts/interop/safetensors.sh [EXPORT_FOLDER]   default .build/interop-export
#
# The Python environment is made once (scripts/interop/venv.sh light; PIPE_INTEROP_VENV overrides).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
out="${1:-$root/.build/interop-export}"
python="$("$root/scripts/interop/venv.sh" light)"
swift build --build-tests 2>&1 | grep -E "error" && exit 1
rm -rf "$out"
PIPE_INTEROP_EXPORT="$out" swift test --skip-build --filter InteropExportTests >/dev/null
"$python" "$root/scripts/interop/check_safetensors.py" --export "$out" --reference "$root/Tests/Fixtures/reference"

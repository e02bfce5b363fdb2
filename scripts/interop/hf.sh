#!/usr/bin/env bash
# By hand, not CI (PyTorch is gigabytes): transformers loads pipe's Hugging Face exports and PEFT
# its adapter export, and both agree with pipe. Prints a table consumer | file | matched.
#
#   scripts/interop/hf.sh [EXPORT_FOLDER]        default .build/interop-export
#
# The Python environment is made once (scripts/interop/venv.sh torch; PIPE_INTEROP_TORCH_VENV
# overrides where). The exports and pipe's logits come from the Swift suite InteropExportTests.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
out="${1:-$root/.build/interop-export}"
python="$("$root/scripts/interop/venv.sh" torch)"
swift build --build-tests 2>&1 | grep -E "error" && exit 1
rm -rf "$out"
PIPE_INTEROP_EXPORT="$out" swift test --skip-build --filter InteropExportTests >/dev/null
"$python" "$root/scripts/interop/check_hf.py" --export "$out" --pipe "$(swift build --show-bin-path)/pipe" \
  --reference "$root/Tests/Fixtures/reference" --demo "$root/models/SmolLM2-135M-Instruct.Q4_1.gguf"

#!/usr/bin/env bash
# Checks pipe's ONNX export with the real consumer: onnxruntime must reproduce pipe's logits
# within 1e-3, in one pass and step by step with past key/values, for the tiny fixture model
# (inline, with external data, with its LoRA adapter merged), two random variants (qwen2-like,
# mistral-like) and the demo model SmolLM2 (Q4_1, dequantized).
#
#     scripts/interop/onnx.sh
#
# Creates a Python venv with onnxruntime and numpy (from PyPI) on first use, in
# $PIPE_INTEROP_VENV (default: $TMPDIR/pipe-interop-venv, outside the repository).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
venv="${PIPE_INTEROP_VENV:-${TMPDIR:-/tmp}/pipe-interop-venv}"
if ! "$venv/bin/python" -c "import onnxruntime, numpy" 2>/dev/null; then
    echo "creating $venv (onnxruntime, numpy)"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet onnxruntime numpy
fi
demo="models/SmolLM2-135M-Instruct.Q4_1.gguf"
if [ ! -f "$demo" ]; then
    echo "error: $demo is missing; run scripts/bootstrap to fetch the demo model" >&2
    exit 1
fi

swift build --product onnx-interop
exporter="$(swift build --show-bin-path)/onnx-interop"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
tiny="Tests/Fixtures/reference/tiny"

check() {  # name, exporter arguments...
    local name="$1"
    shift
    "$exporter" "$@" "$out/$name"
    "$venv/bin/python" scripts/interop/check_onnx.py "$out/$name/model.onnx" "$out/$name/expected.json"
}
check tiny "$tiny"
check tiny-external "$tiny" --external-data
check tiny-lora "$tiny" --adapter "$tiny/adapter"
check qwen2 random:qwen2
check mistral random:mistral
check smollm2 "$demo"
echo "onnx interop: all checks passed"

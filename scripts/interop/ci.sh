#!/usr/bin/env bash
# The interop checks the test command runs: the real consumers load pipe's exports.
#   gguf.sh         llama.cpp (llama-cpp-python, built from source the first time) generates from each GGUF
#                   export, merged and LoRA, the same greedy tokens as `pipe generate`
#   onnx.sh         onnxruntime reproduces pipe's logits from the ONNX export, with and without past key/values
#   safetensors.sh  the safetensors package reads every safetensors export, tensors equal to the reference
# One Python environment for all three, kept between runs outside the clone:
# ~/.cache/pipe/interop-venv (PIPE_INTEROP_VENV overrides).
# transformers and peft (gigabytes of PyTorch) are checked by hand: scripts/interop/hf.sh.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
export PIPE_INTEROP_VENV="${PIPE_INTEROP_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/pipe/interop-venv}"
mkdir -p "$(dirname "$PIPE_INTEROP_VENV")"
# The debug build the test command just made serves (the export code is optimized in it too).
PIPE_BUILD_CONFIG="${PIPE_BUILD_CONFIG:-debug}" "$root/scripts/interop/gguf.sh"
"$root/scripts/interop/onnx.sh"
"$root/scripts/interop/safetensors.sh"
echo "interop: llama.cpp, onnxruntime and safetensors read every export"

#!/usr/bin/env bash
# Creates (or reuses) the Python environment the interop checks run in and prints its python.
#   venv.sh torch   -> torch, transformers, peft, safetensors, tokenizers, numpy, jinja2
#                      (PIPE_INTEROP_TORCH_VENV, default .build/interop-venv-torch)
#   venv.sh light   -> numpy and safetensors only (PIPE_INTEROP_VENV, default .build/interop-venv)
# By hand, not CI: the torch environment is gigabytes.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
kind="${1:-light}"
case "$kind" in
  torch) venv="${PIPE_INTEROP_TORCH_VENV:-$root/.build/interop-venv-torch}"
         packages=(torch transformers peft safetensors tokenizers numpy jinja2) ;;
  light) venv="${PIPE_INTEROP_VENV:-$root/.build/interop-venv}"
         packages=(numpy safetensors) ;;
  *) echo "usage: venv.sh torch|light" >&2; exit 2 ;;
esac
if [ ! -x "$venv/bin/python" ] || [ ! -f "$venv/.ready" ]; then
  python3 -m venv "$venv" >&2
  "$venv/bin/pip" install --quiet "${packages[@]}" >&2
  touch "$venv/.ready"
fi
echo "$venv/bin/python"

#!/usr/bin/env bash
# Checks pipe's GGUF exports with the real consumer, llama.cpp (through llama-cpp-python):
#   1. makes (or reuses) a venv with gguf, numpy and llama-cpp-python built from source by pip
#      (default .build/interop-venv; PIPE_INTEROP_VENV overrides). The first build takes ~13 minutes
#      on 2 cores; the multimodal library is left out (LLAVA_BUILD=OFF) to keep it short.
#   2. builds pipe and pipe-export-check (release; PIPE_BUILD_CONFIG=debug to change),
#   3. exports the tiny reference model and SmolLM2 at f32, q8_0, q4_1 and q4_k_m, the tiny model with
#      its PEFT adapter merged, and that adapter alone as a llama.cpp LoRA GGUF
#      (into .build/interop/gguf; PIPE_INTEROP_OUT overrides),
#   4. runs check_gguf.py: llama.cpp's greedy tokens against `pipe generate` on each file; prints the
#      table and exits non-zero on a mismatch.
# With LLAMA_QUANTIZE=/path/to/llama-quantize (built from the same llama.cpp), it also times SmolLM2
# F32 -> Q8_0 and -> Q4_1 with llama-quantize and with pipe-export-check, side by side (RUNS=5 each).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
venv=${PIPE_INTEROP_VENV:-$root/.build/interop-venv}
out=${PIPE_INTEROP_OUT:-$root/.build/interop/gguf}
config=${PIPE_BUILD_CONFIG:-release}
tiny=$root/Tests/Fixtures/reference/tiny
smol=$root/models/SmolLM2-135M-Instruct.Q4_1.gguf

if ! "$venv/bin/python" -c "import gguf, numpy, llama_cpp" 2>/dev/null; then
    echo "== creating $venv (llama-cpp-python is compiled from source: ~13 minutes on 2 cores)"
    python3 -m venv "$venv"
    start=$(date +%s)
    CMAKE_ARGS="-DGGML_NATIVE=ON -DLLAVA_BUILD=OFF" CMAKE_BUILD_PARALLEL_LEVEL=2 \
        "$venv/bin/pip" install --no-cache-dir --no-binary llama-cpp-python gguf numpy llama-cpp-python
    echo "== llama-cpp-python built in $(( $(date +%s) - start )) s"
fi

echo "== building pipe and pipe-export-check ($config)"
(cd "$root" && swift build -c "$config" --product pipe-export-check && swift build -c "$config" --product pipe)
bin=$(cd "$root" && swift build -c "$config" --show-bin-path)

[ -f "$smol" ] || { echo "no demo model at $smol (run scripts/bootstrap)" >&2; exit 2; }
mkdir -p "$out"
echo "== exporting into $out"
for type in f32 q8_0 q4_1 q4_k_m; do
    "$bin/pipe-export-check" model "$tiny/gguf/tiny-f32.gguf" "$type" "$out/tiny-$type.gguf"
    "$bin/pipe-export-check" model "$smol" "$type" "$out/smollm2-$type.gguf"
done
"$bin/pipe-export-check" model "$tiny/gguf/tiny-f32.gguf" f32 "$out/tiny-merged-f32.gguf" "$tiny/adapter"
"$bin/pipe-export-check" lora "$tiny/adapter" "$tiny/gguf/tiny-f32.gguf" "$out/tiny-lora.gguf"

echo "== comparing greedy tokens"
"$venv/bin/python" "$root/scripts/interop/check_gguf.py" --pipe "$bin/pipe" --dir "$out" --tiny "$tiny"

if [ -n "${LLAMA_QUANTIZE:-}" ]; then
    # Alternating runs (RUNS of each, default 5) on all cores; medians of wall seconds. pipe's line also
    # gives the time of its export step (reading the mapped F32 file, quantizing, writing, fsync).
    runs=${RUNS:-5}
    median() { printf "%s\n" "$@" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
    echo "== quantization speed, SmolLM2 F32 (exported above) -> Q8_0 / Q4_1, median wall seconds of $runs runs (load: $(cut -d' ' -f1-3 /proc/loadavg))"
    for type in q8_0 q4_1; do
        upper=$(echo "$type" | tr a-z A-Z)
        theirs=(); mine=(); export_step=()
        for _ in $(seq "$runs"); do
            start=$(date +%s.%N)
            "$LLAMA_QUANTIZE" "$out/smollm2-f32.gguf" "$out/llama-quantize-$type.gguf" "$upper" "$(nproc)" > /dev/null 2>&1
            theirs+=("$(echo "$(date +%s.%N) - $start" | bc)")
            start=$(date +%s.%N)
            line=$("$bin/pipe-export-check" model "$out/smollm2-f32.gguf" "$type" "$out/pipe-$type.gguf")
            mine+=("$(echo "$(date +%s.%N) - $start" | bc)")
            step=${line##* in }; export_step+=("${step% s}")
        done
        printf "%-6s llama-quantize %6.2f s | pipe-export-check %6.2f s (export step %s s)\n" \
            "$type" "$(median "${theirs[@]}")" "$(median "${mine[@]}")" "$(median "${export_step[@]}")"
    done
fi

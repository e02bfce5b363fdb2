#!/bin/sh
# Data-parallel training on this machine: the demo model (SmolLM2-135M), LoRA r=8 on q,k,v,o,
# packed batches of 4 x 128 tokens, as 1 process with every core against N ranks (mpirun) with
# cores/N threads each. Prints tokens/s of each and the bytes each rank adds into the sums per step.
# Usage: scripts/bench-mpi.sh [steps] [ranks]     (PIPE_BIN: a pipe binary; default: a release build)
set -e
cd "$(dirname "$0")/.."
steps="${1:-10}"
ranks="${2:-2}"
if [ -z "$PIPE_BIN" ]; then
    swift build -c release --product pipe
    PIPE_BIN="$PWD/.build/release/pipe"
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/data"
cp pipelines/data/medical_large.jsonl "$work/data/"
for processes in 1 "$ranks"; do
    cat > "$work/m$processes.json" <<JSON
{ "stages": {
    "records": { "kind": "load", "params": { "dataset": "data/medical_large.jsonl", "format": "alpaca" } },
    "base": { "kind": "load", "params": { "model": "$PWD/models/SmolLM2-135M-Instruct.Q4_1.gguf" } },
    "tokens": { "kind": "tokenize", "inputs": { "dataset": "records", "model": "base" },
                "params": { "template": "chatml", "max_length": 128, "packing": true } },
    "trained": { "kind": "train", "inputs": { "model": "base", "dataset": "tokens" },
                 "params": { "r": 8, "targets": ["q_proj", "k_proj", "v_proj", "o_proj"], "batch_size": 4,
                             "max_steps": $steps, "checkpoint_every": 0, "processes": $processes } }
} }
JSON
    (cd "$work" && "$PIPE_BIN" run "m$processes.json" --json > "run$processes.json" 2> "run$processes.log")
    python3 - "$work/run$processes.json" "$processes" <<'PY'
import json, sys
run, processes = json.load(open(sys.argv[1])), int(sys.argv[2])
metrics = next(s for s in run["stages"] if s["id"] == "trained")["metrics"]
rate = metrics["tokens_per_second"]
steady = [r for s, r in metrics["steps"][1:]]  # the first step pays for warm-up
print(f"{processes} process(es): {rate:.0f} tokens/s over the run, "
      f"{sum(steady) / max(1, len(steady)):.0f} tokens/s per step after the first, "
      f"{metrics.get('reduced_bytes_per_step', 0) / 1e6:.2f} MB summed per step per rank")
PY
done

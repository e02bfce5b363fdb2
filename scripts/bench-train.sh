#!/bin/sh
# Training throughput and peak RSS on the demo model (SmolLM2-135M, batch 4 x 128),
# release build: LoRA r=8 on q,k,v,o (float32 base, then the Q4_1 base with
# gradient checkpointing), then full fine-tuning.
# Usage: scripts/bench-train.sh [steps]
set -e
cd "$(dirname "$0")/.."
steps="${1:-10}"
swift build -c release --product pipe-bench
.build/release/pipe-bench train lora "$steps"
.build/release/pipe-bench train lora "$steps" --quantized --checkpointing
.build/release/pipe-bench train full "$steps"

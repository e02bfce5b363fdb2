"""The `safetensors` package (numpy only, no torch) reads every safetensors file pipe exports.

CI-friendly: needs numpy and safetensors. Given the folder written by the InteropExportTests Swift
suite (PIPE_INTEROP_EXPORT), checks:
  - each <model>-hf folder: model.safetensors, or the shards of model.safetensors.index.json (every
    tensor in the shard the index names, total_size the sum of the tensors' bytes), float32 tensors
    with the shapes config.json implies, all finite;
  - tiny-hf and tiny-sharded-hf hold exactly the reference tiny model's tensors, tiny-peft exactly
    the reference adapter's;
  - pipe.safetensors (pipe's logits) reads.
Prints a table consumer | file | matched; exits 1 on a mismatch, naming the file and tensor.
"""

import argparse
import json
import os
import sys

import numpy as np
import safetensors
from safetensors.numpy import load_file

rows = []
failures = []


def record(file, matched, detail):
    rows.append(("safetensors.numpy", file, "yes" if matched else "NO", detail))
    if not matched:
        failures.append(f"{file}: {detail}")


def expected_shapes(config):
    """transformers' tensor names and shapes for a Llama-family config.json."""
    c, v, ff = config["hidden_size"], config["vocab_size"], config["intermediate_size"]
    hd = config.get("head_dim") or c // config["num_attention_heads"]
    q, kv = config["num_attention_heads"] * hd, config["num_key_value_heads"] * hd
    shapes = {"model.embed_tokens.weight": (v, c), "model.norm.weight": (c,)}
    if not config.get("tie_word_embeddings", False):
        shapes["lm_head.weight"] = (v, c)
    for l in range(config["num_hidden_layers"]):
        p = f"model.layers.{l}."
        shapes.update({
            p + "self_attn.q_proj.weight": (q, c), p + "self_attn.k_proj.weight": (kv, c),
            p + "self_attn.v_proj.weight": (kv, c), p + "self_attn.o_proj.weight": (c, q),
            p + "mlp.gate_proj.weight": (ff, c), p + "mlp.up_proj.weight": (ff, c),
            p + "mlp.down_proj.weight": (c, ff), p + "input_layernorm.weight": (c,),
            p + "post_attention_layernorm.weight": (c,),
        })
        if config.get("attention_bias", False):
            shapes.update({p + "self_attn.q_proj.bias": (q,), p + "self_attn.k_proj.bias": (kv,),
                           p + "self_attn.v_proj.bias": (kv,)})
    return shapes


def read_folder(folder):
    """All tensors of a Hugging Face folder, checking the index against the shards."""
    index_path = os.path.join(folder, "model.safetensors.index.json")
    if not os.path.exists(index_path):
        return load_file(os.path.join(folder, "model.safetensors")), "model.safetensors"
    index = json.load(open(index_path, encoding="utf-8"))
    tensors, total = {}, 0
    for shard in sorted(set(index["weight_map"].values())):
        for name, value in load_file(os.path.join(folder, shard)).items():
            if index["weight_map"].get(name) != shard:
                raise ValueError(f"{shard}: tensor {name} is not where the index says")
            tensors[name] = value
            total += value.nbytes
    missing = set(index["weight_map"]) - set(tensors)
    if missing:
        raise ValueError(f"index names {sorted(missing)[0]} but no shard holds it")
    if index["metadata"]["total_size"] != total:
        raise ValueError(f"total_size {index['metadata']['total_size']} but the shards hold {total} bytes")
    return tensors, "model.safetensors.index.json"


def compare(file, got, want):
    if set(got) != set(want):
        record(file, False, f"tensor {sorted(set(got) ^ set(want))[0]} is in one file only")
        return
    for name in sorted(want):
        if got[name].shape != want[name].shape or not np.array_equal(got[name], want[name]):
            record(file, False, f"tensor {name} differs from the reference")
            return
    record(file, True, f"{len(want)} tensors equal to the reference")


def check_hf(export, name):
    folder = os.path.join(export, name)
    try:
        tensors, file = read_folder(folder)
    except Exception as error:  # the reader's own message names the problem
        record(f"{name}/", False, str(error))
        return None
    shapes = expected_shapes(json.load(open(os.path.join(folder, "config.json"), encoding="utf-8")))
    problem = None
    if set(tensors) != set(shapes):
        problem = f"tensor {sorted(set(tensors) ^ set(shapes))[0]} is not what config.json implies"
    for tensor, value in sorted(tensors.items()):
        if problem:
            break
        if value.dtype != np.float32 or value.shape != shapes[tensor]:
            problem = f"tensor {tensor}: {value.dtype} {value.shape}, expected float32 {shapes[tensor]}"
        elif not np.isfinite(value).all():
            problem = f"tensor {tensor} has a non-finite value"
    record(f"{name}/{file}", problem is None, problem or f"{len(tensors)} float32 tensors, shapes from config.json")
    return tensors


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--export", required=True, help="the PIPE_INTEROP_EXPORT folder")
    parser.add_argument("--reference", required=True, help="Tests/Fixtures/reference")
    args = parser.parse_args()
    tiny = os.path.join(args.reference, "tiny")
    reference_model = load_file(os.path.join(tiny, "model.safetensors"))

    for name in ("tiny-hf", "tiny-sharded-hf"):
        tensors = check_hf(args.export, name)
        if tensors is not None:
            compare(f"{name} (vs tiny/model.safetensors)", tensors, reference_model)
    check_hf(args.export, "tiny-merged-hf")
    if os.path.isdir(os.path.join(args.export, "smollm2-hf")):
        check_hf(args.export, "smollm2-hf")
    compare("tiny-peft/adapter_model.safetensors",
            load_file(os.path.join(args.export, "tiny-peft", "adapter_model.safetensors")),
            load_file(os.path.join(tiny, "adapter", "adapter_model.safetensors")))
    logits = load_file(os.path.join(args.export, "pipe.safetensors"))
    record("pipe.safetensors", all(np.isfinite(v).all() for v in logits.values()), f"{len(logits)} tensors")

    print(f"safetensors {safetensors.__version__}, numpy {np.__version__}")
    widths = [max(len(r[i]) for r in rows + [("consumer", "file", "matched", "")]) for i in range(3)]
    print(f"{'consumer':<{widths[0]}} | {'file':<{widths[1]}} | matched")
    print(f"{'-' * widths[0]}-|-{'-' * widths[1]}-|--------")
    for consumer, file, matched, detail in rows:
        print(f"{consumer:<{widths[0]}} | {file:<{widths[1]}} | {matched}: {detail}")
    if failures:
        print("\nMISMATCH: " + "\nMISMATCH: ".join(failures), file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()

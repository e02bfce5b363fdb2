"""transformers and PEFT read pipe's Hugging Face and PEFT exports and agree with pipe.

Run by scripts/interop/hf.sh (by hand, not CI: needs PyTorch). Given the folder written by
the InteropExportTests Swift suite (PIPE_INTEROP_EXPORT), checks:
  - AutoTokenizer on each <model>-hf folder gives pipe's ids (`pipe tokenize --json`, on the
    source GGUF and on the exported folder) on the reference texts, special tokens parsed and
    not; for SmolLM2 also the llama.cpp ids in smollm2/tokenizer.jsonl;
  - AutoModelForCausalLM logits equal pipe's (pipe.safetensors) within 1e-3;
  - PeftModel (the PEFT export over the hf export of the base) logits equal pipe's with the
    adapter within 1e-4, and AutoPeftModelForCausalLM finds the base by its relative name;
  - apply_chat_template renders what pipe renders (renders.json).
Prints a table consumer | file | matched; exits 1 on a mismatch, naming the file and the
first differing id or logit.
"""

import argparse
import json
import os
import subprocess
import sys
import warnings

import numpy as np
import torch
from safetensors.numpy import load_file

import transformers
import peft

warnings.filterwarnings("ignore", category=FutureWarning)
transformers.utils.logging.set_verbosity_error()
transformers.utils.logging.disable_progress_bar()

LOGIT_TOLERANCE = 1e-3
PEFT_TOLERANCE = 1e-4

rows = []
failures = []


def record(consumer, file, matched, detail):
    rows.append((consumer, file, "yes" if matched else "NO", detail))
    if not matched:
        failures.append(f"{file}: {detail}")


def pipe_ids(pipe, model, texts, special):
    command = [pipe, "tokenize", "--model", model, "--json"] + (["--special"] if special else []) + ["--"] + texts
    out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    lines = out.splitlines()
    if len(lines) != len(texts):
        sys.exit(f"pipe tokenize printed {len(lines)} lines for {len(texts)} texts")
    return [json.loads(line) for line in lines]


def first_id_difference(a, b):
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y:
            return f"position {i}: {x} vs {y}"
    return f"lengths {len(a)} vs {len(b)}"


def check_tokenizer(pipe, folder, source, texts, reference=None, renders=()):
    """AutoTokenizer on the export vs pipe on the source and the export (and a reference).
    pipe's chat renders for this folder are tokenized too (they hold special tokens)."""
    name = os.path.basename(folder)
    extra = [r["text"] for r in renders if r["folder"] == name and r["text"]]
    texts = texts + extra
    reference = reference + [None] * len(extra) if reference else None
    plain = transformers.AutoTokenizer.from_pretrained(folder, split_special_tokens=True)
    parsed = transformers.AutoTokenizer.from_pretrained(folder)
    for special, tokenizer in ((False, plain), (True, parsed)):
        want = pipe_ids(pipe, source, texts, special)
        from_folder = pipe_ids(pipe, folder, texts, special)
        problem = None
        for i, text in enumerate(texts):
            got = tokenizer(text)["input_ids"]
            expected = [want[i], from_folder[i]] + ([reference[i][special]] if reference and reference[i] else [])
            for other in expected:
                if got != other:
                    problem = f"text {i} {text[:40]!r}: {first_id_difference(got, other)}"
                    break
            if problem:
                break
        label = "special tokens parsed" if special else "special tokens as text"
        detail = problem or f"{len(texts)}/{len(texts)} texts, same ids ({label})"
        record(f"transformers AutoTokenizer", f"{name}/tokenizer.json", problem is None, detail)


def first_logit_difference(got, want, tolerance):
    diff = np.abs(got - want)
    worst = float(diff.max())
    if worst <= tolerance:
        return None, worst
    index = np.unravel_index(int(np.argmax(diff > tolerance)), diff.shape)
    return f"logit {tuple(int(i) for i in index)}: {got[index]:.6f} vs pipe {want[index]:.6f}", worst


def logits_of(model, ids):
    with torch.no_grad():
        return model(input_ids=torch.tensor(ids, dtype=torch.long)).logits.float().numpy()


def check_logits(consumer, file, model, pipe_out, names, tolerance):
    worst, problem = 0.0, None
    for name in names:
        got = logits_of(model, pipe_out[f"{name}.input_ids"].astype(np.int64))
        problem, diff = first_logit_difference(got, pipe_out[f"{name}.logits"], tolerance)
        worst = max(worst, diff)
        if problem:
            problem = f"{name} {problem}"
            break
    detail = problem or f"max |diff| {worst:.2e} <= {tolerance:g} ({len(names)} batches)"
    record(consumer, file, problem is None, detail)


def load_model(folder):
    model = transformers.AutoModelForCausalLM.from_pretrained(folder, dtype=torch.float32)
    return model.eval()


def check_template(folder, renders):
    name = os.path.basename(folder)
    cases = [r for r in renders if r["folder"] == name]
    if not cases:
        return
    tokenizer = transformers.AutoTokenizer.from_pretrained(folder)
    problem = None
    for i, case in enumerate(cases):
        got = tokenizer.apply_chat_template(case["messages"], tokenize=False,
                                            add_generation_prompt=case["add_generation_prompt"])
        if got != case["text"]:
            want = case["text"]
            at = next((j for j, (x, y) in enumerate(zip(got, want)) if x != y), min(len(got), len(want)))
            problem = f"render {i}: differs at character {at}: {got[at:at + 30]!r} vs pipe {want[at:at + 30]!r}"
            break
    record("transformers apply_chat_template", f"{name}/tokenizer_config.json", problem is None,
           problem or f"{len(cases)}/{len(cases)} renders equal")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--export", required=True, help="the PIPE_INTEROP_EXPORT folder")
    parser.add_argument("--pipe", required=True, help="the pipe executable")
    parser.add_argument("--reference", required=True, help="Tests/Fixtures/reference")
    parser.add_argument("--demo", help="the SmolLM2 GGUF (skipped when absent)")
    args = parser.parse_args()
    export = os.path.abspath(args.export)
    torch.manual_seed(0)

    lines = [json.loads(l) for l in open(os.path.join(args.reference, "smollm2", "tokenizer.jsonl"), encoding="utf-8")]
    texts = [l["text"] for l in lines]
    reference = [{False: l["ids"], True: l["ids_with_special"]} for l in lines]
    pipe_out = load_file(os.path.join(export, "pipe.safetensors"))
    renders = json.load(open(os.path.join(export, "renders.json"), encoding="utf-8"))

    tiny_hf = os.path.join(export, "tiny-hf")
    tiny_gguf = os.path.join(args.reference, "tiny", "gguf", "tiny-f32.gguf")
    check_tokenizer(args.pipe, tiny_hf, tiny_gguf, texts, renders=renders)
    check_template(tiny_hf, renders)
    base = load_model(tiny_hf)
    check_logits("transformers AutoModelForCausalLM", "tiny-hf/model.safetensors", base, pipe_out, ["tiny"],
                 LOGIT_TOLERANCE)
    sharded = load_model(os.path.join(export, "tiny-sharded-hf"))
    check_logits("transformers AutoModelForCausalLM", "tiny-sharded-hf/model.safetensors.index.json", sharded,
                 pipe_out, ["tiny"], LOGIT_TOLERANCE)
    merged = load_model(os.path.join(export, "tiny-merged-hf"))
    check_logits("transformers AutoModelForCausalLM", "tiny-merged-hf/model.safetensors", merged, pipe_out,
                 ["tiny_lora"], LOGIT_TOLERANCE)

    peft_folder = os.path.join(export, "tiny-peft")
    adapted = peft.PeftModel.from_pretrained(base, peft_folder).eval()
    check_logits("peft PeftModel (over tiny-hf)", "tiny-peft/adapter_model.safetensors", adapted, pipe_out,
                 ["tiny_lora"], PEFT_TOLERANCE)
    here = os.getcwd()
    os.chdir(peft_folder)  # base_model_name_or_path "../tiny-hf" is resolved from here
    try:
        auto = peft.AutoPeftModelForCausalLM.from_pretrained(".", dtype=torch.float32).eval()
    finally:
        os.chdir(here)
    check_logits("peft AutoPeftModelForCausalLM", "tiny-peft/adapter_config.json", auto, pipe_out,
                 ["tiny_lora"], PEFT_TOLERANCE)

    smol_hf = os.path.join(export, "smollm2-hf")
    if args.demo and os.path.exists(args.demo) and os.path.isdir(smol_hf):
        check_tokenizer(args.pipe, smol_hf, args.demo, texts, reference, renders)
        check_template(smol_hf, renders)
        cases = sorted({k.rsplit(".", 1)[0] for k in pipe_out if k.startswith("smollm2.")})
        check_logits("transformers AutoModelForCausalLM", "smollm2-hf/model.safetensors", load_model(smol_hf),
                     pipe_out, cases, LOGIT_TOLERANCE)
    else:
        print("demo model absent: SmolLM2 rows skipped", file=sys.stderr)

    print(f"transformers {transformers.__version__}, peft {peft.__version__}, torch {torch.__version__}")
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

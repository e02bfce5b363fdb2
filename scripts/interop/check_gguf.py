#!/usr/bin/env python3
"""Checks pipe's GGUF exports with llama.cpp (through llama-cpp-python).

For each case, llama.cpp loads the exported file (with --lora's equivalent for the adapter case),
generates greedily from a few prompts, and the tokens are compared with `pipe generate --json` on the
file pipe reads for the same model. llama.cpp starts from pipe's prompt ids (its own tokenization of the
prompt is compared too). A case passes when the tokens agree on all `--tokens` tokens (f32, q8_0, the
adapter cases) or on the first 8 (4-bit cases), except that with quantized weights a split is accepted
where llama.cpp's own logits for the two tokens are a near-tie (llama.cpp multiplies quantized weights
with 8-bit activations, pipe with float ones): the table says where.

Prints a table `consumer | file | matched` and exits 1 on any mismatch, naming the file, the prompt
and the first differing token.
"""
import argparse
import json
import os
import subprocess
import sys

import numpy as np
import gguf  # noqa: F401  (checked importable: the venv is the one the driver made)
import llama_cpp
from llama_cpp import Llama

TINY_PROMPTS = ["the cat sat on the", "<|im_start|>user\nhello there<|im_end|>\n<|im_start|>assistant\n", "a b c d"]
SMOL_PROMPTS = [
    "The capital of France is",
    "<|im_start|>user\nWhat is the boiling point of water?<|im_end|>\n<|im_start|>assistant\n",
    "def fibonacci(n):",
]


def pipe_generate(pipe, model, prompt, n, adapter=None):
    command = [pipe, "generate", "--model", model, "--prompt", prompt, "--max-new-tokens", str(n), "--json"]
    if adapter:
        command += ["--adapter", adapter]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"pipe generate failed on {model}: {done.stderr.strip()}")
    result = json.loads(done.stdout)
    return result["prompt_tokens"], result["tokens"], result["stop_reason"]


def llama_greedy(llm, prompt_ids, n):
    """Greedy tokens from llama.cpp, ending before an end-of-generation token (as pipe does), and the
    logits at each step."""
    vocab = llama_cpp.llama_model_get_vocab(llm.model)
    llm.reset()
    llm.eval(prompt_ids)
    out, steps = [], []
    n_vocab = llm.n_vocab()
    for _ in range(n):
        logits = np.ctypeslib.as_array(llama_cpp.llama_get_logits_ith(llm._ctx.ctx, -1), shape=(n_vocab,)).copy()
        steps.append(logits)
        token = int(np.argmax(logits))
        if llama_cpp.llama_vocab_is_eog(vocab, token):
            break
        out.append(token)
        llm.eval([token])
    return out, steps


def first_difference(a, b):
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y:
            return i
    return None if len(a) == len(b) else min(len(a), len(b))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pipe", required=True, help="the built pipe executable")
    parser.add_argument("--dir", required=True, help="folder with the exports gguf.sh wrote")
    parser.add_argument("--tiny", required=True, help="Tests/Fixtures/reference/tiny")
    parser.add_argument("--tokens", type=int, default=16, help="tokens to generate per prompt")
    args = parser.parse_args()

    d, tiny = os.path.abspath(args.dir), os.path.abspath(args.tiny)
    base = os.path.join(tiny, "gguf", "tiny-f32.gguf")
    peft = os.path.join(tiny, "adapter")
    # (llama.cpp file, its LoRA or None, pipe's model, pipe's adapter or None, prompts, tokens that must agree
    # (None: all), tie tolerance). A split is accepted only where llama.cpp's own logits for its token and
    # pipe's differ by at most the tolerance: a near-tie that llama.cpp's 8-bit activations (used with
    # quantized weights; pipe keeps float activations) can flip. Float files get none.
    cases = []
    # The tiny model's random weights give logits about 0.01 apart; SmolLM2's 8-bit activations move ~1.
    tiny_precisions = [("f32", None, 1e-4), ("q8_0", None, 0.05), ("q4_1", 8, 0.05), ("q4_k_m", 8, 0.05)]
    for t, must, tie in tiny_precisions:
        cases.append((f"tiny-{t}.gguf", None, f"tiny-{t}.gguf", None, TINY_PROMPTS, must, tie))
    cases.append(("tiny-merged-f32.gguf", None, base, peft, TINY_PROMPTS, None, 1e-4))
    cases.append((base, "tiny-lora.gguf", base, peft, TINY_PROMPTS, None, 1e-4))
    smol_precisions = [("f32", None, 1e-4), ("q8_0", None, 0.25), ("q4_1", 8, 1.0), ("q4_k_m", 8, 1.0)]
    for t, must, tie in smol_precisions:
        cases.append((f"smollm2-{t}.gguf", None, f"smollm2-{t}.gguf", None, SMOL_PROMPTS, must, tie))

    consumer = f"llama.cpp (llama-cpp-python {llama_cpp.__version__})"
    rows, failures = [], []
    for model, lora, pipe_model, adapter, prompts, must, tie in cases:
        path = model if os.path.isabs(model) else os.path.join(d, model)
        lora_path = os.path.join(d, lora) if lora else None
        pipe_path = pipe_model if os.path.isabs(pipe_model) else os.path.join(d, pipe_model)
        label = os.path.basename(path) + (f" + --lora {lora}" if lora else "")
        llm = Llama(model_path=path, lora_path=lora_path, n_ctx=128, n_batch=128, n_threads=2, verbose=False)
        same, ties, tokenizer_ok, notes = 0, [], True, []
        for prompt in prompts:
            prompt_ids, pipe_tokens, _ = pipe_generate(args.pipe, pipe_path, prompt, args.tokens, adapter)
            tokenizer_ok &= llm.tokenize(prompt.encode(), add_bos=True, special=True) == prompt_ids
            theirs, steps = llama_greedy(llm, prompt_ids, args.tokens)
            need = len(pipe_tokens) if must is None else min(must, len(pipe_tokens))
            at = first_difference(pipe_tokens[:need], theirs[:need]) if must is not None \
                else first_difference(pipe_tokens, theirs)
            if at is None:
                same += 1
                continue
            mine = pipe_tokens[at] if at < len(pipe_tokens) else None
            other = theirs[at] if at < len(theirs) else None
            gap = float(steps[at][other] - steps[at][mine]) if mine is not None and at < len(steps) \
                and other is not None else float("inf")
            if gap <= tie:
                ties.append(f"token {at}, gap {gap:.3f}")
                continue
            notes.append(f"{label}: prompt {prompt!r}: token {at} differs: pipe {mine}, llama.cpp {other} "
                         f"(llama.cpp's logit gap between them {gap:.4f} > {tie}; "
                         f"pipe {pipe_tokens}, llama.cpp {theirs})")
        del llm
        scope = "all" if must is None else f"first {must}"
        matched = f"{same}/{len(prompts)} identical ({scope} tokens)"
        if ties:
            matched += f"; split at a near-tie of llama.cpp's logits: {'; '.join(ties)} (<= {tie})"
        if not tokenizer_ok:
            matched += "; llama.cpp tokenizes a prompt differently"
            notes.append(f"{label}: llama.cpp tokenizes a prompt differently from pipe")
        rows.append((consumer, label, matched, not notes))
        failures += notes

    width = max(len(r[1]) for r in rows)
    print(f"{'consumer':<36} | {'file':<{width}} | matched")
    print(f"{'-' * 36}-|-{'-' * width}-|-{'-' * 30}")
    for consumer_name, label, matched, ok in rows:
        print(f"{consumer_name:<36} | {label:<{width}} | {matched}{'' if ok else '  MISMATCH'}")
    for note in failures:
        print("MISMATCH " + note, file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

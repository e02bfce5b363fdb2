#!/usr/bin/env python3
"""Runs an ONNX decoder exported by pipe in onnxruntime and compares its logits with pipe's.

    check_onnx.py <model.onnx> <expected.json> [--tolerance 1e-3]

expected.json (written by the `onnx-interop` tool): {"cases": [{"name", "input_ids" (B, T),
"attention_mask" (B, T), "logits" (B*T*V floats, pipe's full forward)}]}.

For every case, the whole sequence in one pass without past key/values; for cases without
padding, also a prefill of the first half followed by one token at a time, each step fed the
previous step's present key/values. Only positions with attention mask 1 are compared. Prints
the largest |difference| of each mode; exits 1 (naming the first position over the
tolerance) when one exceeds it.
"""
import argparse
import json
import sys

import numpy as np
import onnxruntime as ort


def empty_past(session, batch):
    """Past key/value inputs of length zero, shaped from the session's declared inputs."""
    past = {}
    for i in session.get_inputs():
        if i.name.startswith("past_key_values."):
            _, heads, _, head_dim = i.shape
            past[i.name] = np.zeros((batch, heads, 0, head_dim), dtype=np.float32)
    return past


def run(session, ids, mask, past):
    names = [o.name for o in session.get_outputs()]
    outputs = session.run(names, {"input_ids": ids, "attention_mask": mask, **past})
    logits = outputs[0]
    presents = {
        name.replace("present.", "past_key_values."): value
        for name, value in zip(names[1:], outputs[1:])
    }
    return logits, presents


def compare(label, got, expected, mask, tolerance):
    """Largest |got - expected| over real positions; prints and returns (diff, ok)."""
    diff = np.abs(got - expected) * mask[:, :, None]
    worst = float(diff.max()) if diff.size else 0.0
    ok = worst <= tolerance and not np.isnan(got[mask.astype(bool)]).any()
    print(f"  {label}: max |logit diff| {worst:.3g}" + ("" if ok else f"  (over {tolerance:g})"))
    if not ok:
        bad = np.argwhere(np.isnan(diff) | (diff > tolerance))
        for label, (b, t, v) in [("first position over", bad[0]),
                                 ("worst", np.unravel_index(int(np.nanargmax(diff)), diff.shape))]:
            print(f"    {label}: batch {b}, token {t}, vocabulary id {v}: "
                  f"onnxruntime {got[b, t, v]:.6f}, pipe {expected[b, t, v]:.6f}")
    return worst, ok


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("model")
    parser.add_argument("expected")
    parser.add_argument("--tolerance", type=float, default=1e-3)
    args = parser.parse_args()

    session = ort.InferenceSession(args.model, providers=["CPUExecutionProvider"])
    with open(args.expected) as f:
        cases = json.load(f)["cases"]
    print(f"{args.model}: onnxruntime {ort.__version__}")
    all_ok = True
    for case in cases:
        ids = np.array(case["input_ids"], dtype=np.int64)
        mask = np.array(case["attention_mask"], dtype=np.int64)
        B, T = ids.shape
        expected = np.array(case["logits"], dtype=np.float32).reshape(B, T, -1)
        print(f"case {case['name']} (batch {B}, {T} tokens)")

        logits, _ = run(session, ids, mask, empty_past(session, B))
        _, ok = compare("without past", logits, expected, mask, args.tolerance)
        all_ok &= ok

        if mask.all():
            prefill = T // 2
            steps = [run(session, ids[:, :prefill], mask[:, :prefill], empty_past(session, B))]
            for t in range(prefill, T):
                steps.append(run(session, ids[:, t:t + 1], mask[:, :t + 1], steps[-1][1]))
            logits = np.concatenate([s[0] for s in steps], axis=1)
            _, ok = compare(f"with past (prefill {prefill}, then 1 token at a time)", logits, expected, mask,
                            args.tolerance)
            all_ok &= ok
    if not all_ok:
        print("FAILED: onnxruntime's logits differ from pipe's")
        return 1
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())

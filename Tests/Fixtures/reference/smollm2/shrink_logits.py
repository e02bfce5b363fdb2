#!/usr/bin/env python3
"""Shrinks the SmolLM2 reference logits (17 MB: every position x 49152 vocabulary) to what
the tests check: full rows at the first, middle and last position of each prompt, and at
every position the 32 largest logits with their token ids. Needs only numpy.

    python3 shrink_logits.py FULL_logits.safetensors logits.safetensors
"""
import json, struct, sys
import numpy as np

TOP = 32

def read(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        dtype = {"F32": np.float32, "I32": np.int32}[info["dtype"]]
        a, b = info["data_offsets"]
        out[name] = np.frombuffer(data[a:b], dtype=dtype).reshape(info["shape"])
    return out

def write(path, tensors):
    header, blobs, offset = {}, [], 0
    for name in sorted(tensors):
        t = np.ascontiguousarray(tensors[name])
        raw = t.tobytes()
        header[name] = {"dtype": {np.float32: "F32", np.int32: "I32"}[t.dtype.type],
                        "shape": list(t.shape), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))

full = read(sys.argv[1])
small = {k: v for k, v in full.items() if k.startswith("batch.")}
i = 0
while f"prompt{i}.logits" in full:
    logits = full[f"prompt{i}.logits"]
    T = logits.shape[0]
    positions = sorted({0, T // 2, T - 1})
    small[f"prompt{i}.positions"] = np.array(positions, dtype=np.int32)
    small[f"prompt{i}.rows"] = logits[positions]
    top = np.argsort(-logits, axis=1, kind="stable")[:, :TOP].astype(np.int32)
    small[f"prompt{i}.top_ids"] = top
    small[f"prompt{i}.top_logits"] = np.take_along_axis(logits, top, axis=1)
    i += 1
write(sys.argv[2], small)

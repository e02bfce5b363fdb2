"""PyTorch side of scripts/bench-compare: the same work pipe-bench does, on the same host.

  torch_bench.py lora|full|forward|sgemm --threads 2 [--model HF_FOLDER | --init L,W,H,KV,FFN,VOCAB]
                 [--batch 4x128] [--steps 10] [--bf16]

Random tokens, float32, LoRA r=8 alpha=16 on q,k,v,o (PEFT, no dropout), AdamW; tokens counted as
batch x sequence per optimizer step, the first step a warm-up that is not counted. Prints one line
ending in "N tokens/s" (sgemm: "N GFLOP/s") and "peak RSS N MB" (the process's VmHWM).
--bf16 (LoRA): the base loaded in bfloat16, PEFT's adapters float32 (its default autocast of adapter
weights), forward and backward under torch.autocast("cpu", bfloat16): what a PyTorch user does for bf16 LoRA.
"""
import argparse
import resource
import time

import torch


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def load_model(args):
    from transformers import AutoModelForCausalLM, LlamaConfig, LlamaForCausalLM
    dtype = torch.bfloat16 if args.bf16 else torch.float32
    if args.model:
        return AutoModelForCausalLM.from_pretrained(args.model, torch_dtype=dtype)
    layers, width, heads, kv, ffn, vocab = (int(v) for v in args.init.split(","))
    config = LlamaConfig(vocab_size=vocab, hidden_size=width, intermediate_size=ffn, num_hidden_layers=layers,
                         num_attention_heads=heads, num_key_value_heads=kv, tie_word_embeddings=True,
                         max_position_embeddings=2048, torch_dtype="float32")
    torch.manual_seed(0)
    return LlamaForCausalLM(config).to(dtype)


def sgemm(args):
    n = 1024
    a, b = torch.rand(n, n), torch.rand(n, n)
    best = float("inf")
    for _ in range(5):
        start = time.perf_counter()
        torch.mm(a, b)
        best = min(best, time.perf_counter() - start)
    print(f"torch sgemm peak (1024x1024x1024, best of 5): {2 * n ** 3 / best / 1e9:.1f} GFLOP/s")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("work", choices=["lora", "full", "forward", "sgemm"])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--model")
    parser.add_argument("--init")
    parser.add_argument("--batch", default="4x128")
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--bf16", action="store_true")
    args = parser.parse_args()
    if args.bf16 and args.work != "lora":
        parser.error("--bf16 is for lora")
    torch.set_num_threads(args.threads)
    if args.work == "sgemm":
        return sgemm(args)
    B, T = (int(v) for v in args.batch.split("x"))
    model = load_model(args)
    vocab = model.config.vocab_size
    generator = torch.Generator().manual_seed(1)
    batches = [torch.randint(0, vocab, (B, T), generator=generator) for _ in range(args.steps + 1)]

    if args.work == "forward":
        model.eval()
        best = float("inf")
        with torch.no_grad():
            for tokens in batches[:3]:
                start = time.perf_counter()
                logits = model(input_ids=tokens).logits  # all B x T logits, as pipe computes
                best = min(best, time.perf_counter() - start)
        assert logits.shape == (B, T, vocab)
        print(f"torch forward {B}x{T} (no gradients; {best:.3f} s): {B * T / best:.0f} tokens/s")
        print(f"  peak RSS {peak_rss_mb():.0f} MB")
        return

    if args.work == "lora":
        from peft import LoraConfig, get_peft_model
        model = get_peft_model(model, LoraConfig(r=8, lora_alpha=16, lora_dropout=0.0, bias="none",
                                                 target_modules=["q_proj", "k_proj", "v_proj", "o_proj"]))
        lr = 1e-4
    else:
        lr = 1e-5
    model.train()
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=lr)
    first_done = None
    for step, tokens in enumerate(batches):
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=args.bf16):
            loss = model(input_ids=tokens, labels=tokens).loss
        loss.backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        if step == 0:
            first_done = time.perf_counter()
    seconds = time.perf_counter() - first_done
    label = ("LoRA r=8 q,k,v,o" + (", bf16 base, autocast" if args.bf16 else "")) if args.work == "lora" else "full"
    print(f"torch train {label} (batch {B}x{T}, {args.steps} steps after a warm-up step, loss {loss.item():.3f}): "
          f"{args.steps * B * T / seconds:.0f} tokens/s")
    print(f"  peak RSS {peak_rss_mb():.0f} MB")


if __name__ == "__main__":
    main()

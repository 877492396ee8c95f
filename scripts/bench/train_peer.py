"""PyTorch peer for scripts/bench/50-train.sh: the same training updates as `nmt train`,
in PyTorch eager on the CPU with torch.set_num_threads(threads).

Same batches (rebuilt from nmt's encoded-corpus cache by nmt_batches.py: same pairs, same
order), same architecture (scripts/reference/transformer_reference.py, post-norm, tied
embeddings), dropout 0.1 on embeddings and sub-layer outputs (attention and ReLU dropout 0,
as the `small` preset), label smoothing 0.1, loss normalised by target tokens, global
gradient norm, Adam (betas 0.9/0.98, eps 1e-8) at the inverse-sqrt warmup schedule.
Each update is timed from building the batch tensors to the end of the optimizer step.
Prints a JSON object: {"torch": version, "threads": n, "seconds": [...], "tokens": [...]}.
Usage: train_peer.py CACHE_DIR TRAIN_PAIRS UPDATES MAX_TOKENS THREADS PRESET
"""
import json
import math
import os
import sys
import time

import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "reference"))
import nmt_batches  # noqa: E402
import transformer_reference as ref  # noqa: E402

PRESETS = {"tiny": (128, 4, 512, 2, 2), "small": (256, 4, 1024, 3, 3), "iwslt": (512, 4, 1024, 6, 6)}
PAD, BOS, EOS = 0, 1, 2
DROPOUT = 0.1


def tensors(batch):
    B = len(batch)
    S = max(len(s) for s, _ in batch) + 1
    T = max(len(t) for _, t in batch) + 1
    src = torch.zeros(B, S, dtype=torch.long)
    tin = torch.zeros(B, T, dtype=torch.long)
    tout = torch.zeros(B, T, dtype=torch.long)
    for r, (s, t) in enumerate(batch):
        src[r, :len(s) + 1] = torch.tensor(s + [EOS])
        tin[r, :len(t) + 1] = torch.tensor([BOS] + t)
        tout[r, :len(t) + 1] = torch.tensor(t + [EOS])
    return src, tin, tout


def forward(P, cfg, source, target_input, table):
    """transformer_reference.forward with fairseq's training dropout."""
    H = cfg["heads"]
    drop = lambda x: F.dropout(x, DROPOUT, training=True)  # noqa: E731
    src_pad, tgt_pad = source.eq(PAD), target_input.eq(PAD)
    x = drop(ref.embed(source, P, cfg, table))
    for i in range(cfg["encoderLayers"]):
        p = f"encoder.layers.{i}."
        x = ref.layer_norm(x + drop(ref.attention(x, x, P, p + "self_attn.", src_pad, False, H)), P, p + "self_attn_layer_norm")
        x = ref.layer_norm(x + drop(ref.ffn(x, P, p)), P, p + "final_layer_norm")
    enc = x
    y = drop(ref.embed(target_input, P, cfg, table))
    for i in range(cfg["decoderLayers"]):
        p = f"decoder.layers.{i}."
        y = ref.layer_norm(y + drop(ref.attention(y, y, P, p + "self_attn.", tgt_pad, True, H)), P, p + "self_attn_layer_norm")
        y = ref.layer_norm(y + drop(ref.attention(y, enc, P, p + "encoder_attn.", src_pad, False, H)), P, p + "encoder_attn_layer_norm")
        y = ref.layer_norm(y + drop(ref.ffn(y, P, p)), P, p + "final_layer_norm")
    return F.linear(y, P["encoder.embed_tokens.weight"])


def init_parameters(cfg, seed, scheme="xavier"):
    """scheme "xavier": every matrix Xavier-uniform (the timing peer's, as it always was);
    "fairseq": nmt's scheme (TransformerModel.initializeParameters, fairseq's): embeddings
    N(0, d^-1/2) with the pad row zero, q/k/v Xavier-uniform with gain 1/sqrt(2). The same
    distributions as nmt, not the same draws. Biases 0, layer norms 1/0 in both."""
    g = torch.Generator().manual_seed(seed)
    P = {}
    for name, shape in ref.parameter_shapes(cfg):
        if name.endswith("layer_norm.weight"):
            t = torch.ones(shape)
        elif len(shape) == 1:
            t = torch.zeros(shape)
        elif scheme == "fairseq" and name == "encoder.embed_tokens.weight":
            t = torch.randn(shape, generator=g) * shape[1] ** -0.5
            t[0] = 0
        else:
            qkv = name.endswith(("q_proj.weight", "k_proj.weight", "v_proj.weight"))
            gain = 2 ** -0.5 if scheme == "fairseq" and qkv else 1.0
            bound = gain * math.sqrt(6.0 / (shape[0] + shape[1]))  # Xavier uniform, as fairseq
            t = (torch.rand(shape, generator=g) * 2 - 1) * bound
        P[name] = t.requires_grad_(True)
    return P


def main():
    cache_dir, pair_count, updates, max_tokens, threads, preset = sys.argv[1:7]
    updates, max_tokens, threads = int(updates), int(max_tokens), int(threads)
    torch.set_num_threads(threads)
    torch.manual_seed(1)
    pairs = nmt_batches.read_cache(nmt_batches.find_cache(cache_dir, int(pair_count)))
    batches = nmt_batches.training_batches(pairs, updates, max_tokens)
    d, h, f, le, ld = PRESETS[preset]
    cfg = dict(vocabularySize=8000, modelDimension=d, heads=h, ffnDimension=f, encoderLayers=le, decoderLayers=ld, normalizeBefore=False)
    P = init_parameters(cfg, 1)
    params = list(P.values())
    table = ref.sinusoidal_table(1026, d, torch.float32)
    # The fastest CPU Adam this torch offers (fused where available), same maths as nmt's.
    try:
        opt = torch.optim.Adam(params, lr=0.0, betas=(0.9, 0.98), eps=1e-8, fused=True)
    except (RuntimeError, TypeError, ValueError):
        opt = torch.optim.Adam(params, lr=0.0, betas=(0.9, 0.98), eps=1e-8, foreach=True)
    seconds, tokens = [], []
    for update, batch in enumerate(batches, start=1):
        t0 = time.perf_counter()
        src, tin, tout = tensors(batch)
        for g in opt.param_groups:
            g["lr"] = 5e-4 * update / 4000  # inverse-sqrt schedule, still in its linear warmup
        opt.zero_grad(set_to_none=True)
        logits = forward(P, cfg, src, tin, table)
        loss, _, n = ref.label_smoothed_loss(logits, tout, 0.1)
        (loss / n).backward()
        torch.nn.utils.clip_grad_norm_(params, float("inf"))  # the global norm nmt records
        opt.step()
        final_loss = loss.item() / n
        seconds.append(time.perf_counter() - t0)
        tokens.append(n)
    print(json.dumps({"torch": torch.__version__, "threads": threads, "seconds": seconds, "tokens": tokens,
                      "final_loss": final_loss}))


if __name__ == "__main__":
    main()

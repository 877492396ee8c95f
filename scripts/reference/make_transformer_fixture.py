"""Writes Tests/Fixtures/transformer/{postnorm,prenorm}.{weights,expected}.safetensors.

A tiny model (V=50, d=16, 2 heads, FFN 32, 2+2 layers) with deterministic random weights
(biases and layer-norm weights random too, so their gradients are tested; the pad row of
the embedding random as well, since the tied output projection uses it), a fixed batch
with padding, dropout off, label smoothing 0.1. The forward and backward run in float64
from the float32 weights, so the fixture is the exact answer up to float32 storage.
  *.weights.safetensors   the model exactly as TransformerModel.save writes it (+ config metadata)
  *.expected.safetensors  batch.* ids (as F32), expected.loss/nll/tokens, expected.logits [B*T, V],
                          grad.<parameter name> for every parameter
Run: python3 scripts/reference/make_transformer_fixture.py
"""
import json
import os
import sys

import torch
from safetensors.torch import save_file

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import transformer_reference as ref  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT = os.path.join(ROOT, "Tests", "Fixtures", "transformer")
EPS = 0.1

SOURCE = [[5, 17, 33, 8, 21, 9, 44], [12, 7, 30, 3, 0, 0, 0], [49, 26, 14, 38, 19, 0, 0]]
TARGET = [[11, 6, 42, 27], [34, 15, 23, 4, 40, 18], [3, 31]]  # without <s> / </s>


def make_batch():
    B = len(SOURCE)
    T = max(len(t) for t in TARGET) + 1
    tin = torch.zeros(B, T, dtype=torch.long)
    tout = torch.zeros(B, T, dtype=torch.long)
    for r, t in enumerate(TARGET):
        tin[r, 0] = 1
        tin[r, 1:len(t) + 1] = torch.tensor(t)
        tout[r, :len(t)] = torch.tensor(t)
        tout[r, len(t)] = 2
    return torch.tensor(SOURCE, dtype=torch.long), tin, tout


def main():
    os.makedirs(OUT, exist_ok=True)
    for name, pre in [("postnorm", False), ("prenorm", True)]:
        cfg = dict(vocabularySize=50, modelDimension=16, heads=2, ffnDimension=32, encoderLayers=2, decoderLayers=2,
                   dropout=0.0, attentionDropout=0.0, reluDropout=0.0, normalizeBefore=pre, maxPositions=64)
        gen = torch.Generator().manual_seed(1234 if not pre else 4321)
        weights = {}
        for pname, shape in ref.parameter_shapes(cfg):
            w = torch.randn(*shape, generator=gen, dtype=torch.float32)
            if pname.endswith("layer_norm.weight"):
                w = 1 + 0.2 * w
            elif pname.endswith(".bias"):
                w = 0.1 * w
            elif pname.endswith("embed_tokens.weight"):
                w = w * cfg["modelDimension"] ** -0.5
            else:
                w = w * (2.0 / (shape[0] + shape[1])) ** 0.5
            weights[pname] = w.contiguous()
        P = {k: v.to(torch.float64).requires_grad_(True) for k, v in weights.items()}
        src, tin, tout = make_batch()
        table = ref.sinusoidal_table(cfg["maxPositions"] + 1, cfg["modelDimension"], torch.float64)
        logits = ref.forward(P, cfg, src, tin, table)
        loss, nll, tokens = ref.label_smoothed_loss(logits, tout, EPS)
        loss.backward()
        meta = {"nmt.transformer_config": json.dumps(cfg, sort_keys=True)}
        save_file(weights, os.path.join(OUT, f"{name}.weights.safetensors"), metadata=meta)
        expected = {
            "batch.source": src.to(torch.float32), "batch.target_input": tin.to(torch.float32),
            "batch.target_output": tout.to(torch.float32),
            "expected.loss": loss.detach().reshape(1).to(torch.float32),
            "expected.nll": nll.detach().reshape(1).to(torch.float32),
            "expected.tokens": torch.tensor([float(tokens)]),
            "expected.logits": logits.detach().reshape(-1, cfg["vocabularySize"]).to(torch.float32).contiguous(),
        }
        for k, p in P.items():
            expected["grad." + k] = p.grad.to(torch.float32).contiguous()
        save_file(expected, os.path.join(OUT, f"{name}.expected.safetensors"),
                  metadata={"label_smoothing": str(EPS), "loss_float64": repr(loss.item())})
        print(f"{name}: loss {loss.item():.6f} nll {nll.item():.6f} tokens {tokens}")


if __name__ == "__main__":
    main()

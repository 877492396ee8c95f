#!/usr/bin/env python3
"""nmt model -> CTranslate2 model directory through ctranslate2's own Python spec API, and a
decoding check. The reference for `nmt export NAME --format ctranslate2` (which writes the
same directory from Swift, with no Python) and for its tests' fixture.

usage:
  ctranslate2_reference.py fixtures
      Writes Tests/Fixtures/ctranslate2/{postnorm,prenorm} from the transformer fixtures.
  ctranslate2_reference.py convert MODEL.safetensors VOCAB.bpe OUT_DIR
      MODEL: `nmt export` output (fairseq names, config in the metadata); VOCAB: its BPE model.
  ctranslate2_reference.py translate CT2_DIR PIECES OUT [--beam B] [--lenpen L] [--max-len-a A]
      [--max-len-b B] [--threads T] [--compute-type float32|int8] [--batch N] [--grouping exact|batch]
      Translates BPE-piece lines (`nmt bpe encode` output) with ctranslate2.Translator the
      way nmt decodes (decoder starts at <s>, source ends in </s>, at most a*|src|+b tokens before </s>),
      writes the output pieces, and prints {"seconds", "sentences"} as JSON.
Needs `pip install ctranslate2 safetensors numpy`; not used by tests or CI.
"""
import json
import math
import os
import sys
import time

import numpy as np


def sinusoidal(count, dim):
    """nmt's table (docs/safetensors.md): fairseq's formula in float64 with the C library's sin,
    cos and exp (as Swift's EmbeddingKernels.sinusoidalTable), rounded once; row p is position p."""
    half = dim // 2
    step = math.log(10000.0) / (half - 1)
    table = np.zeros((count, dim), dtype=np.float32)
    for p in range(1, count):
        for k in range(half):
            angle = p * math.exp(-k * step)
            table[p, k] = math.sin(angle)
            table[p, half + k] = math.cos(angle)
    return table


def read_vocabulary(path):
    """The pieces of an nmt BPE model file, in id order (the lines after "vocab": id, space, piece)."""
    lines = open(path, encoding="utf-8").read().split("\n")
    size = int(next(l for l in lines if l.startswith("vocab-size ")).split()[1])
    start = lines.index("vocab") + 1
    pieces = [line.split(" ", 1)[1] for line in lines[start:start + size]]
    assert len(pieces) == size
    return pieces


def convert(model_path, vocab_path, out_dir, vocabulary=None):
    from ctranslate2.specs import common_spec, transformer_spec
    from safetensors import safe_open

    with safe_open(model_path, "np") as f:
        config = json.loads(f.metadata()["nmt.transformer_config"])
        w = {name: f.get_tensor(name) for name in f.keys()}
    pre_norm = config["normalizeBefore"]
    d, heads = config["modelDimension"], config["heads"]
    spec = transformer_spec.TransformerSpec.from_config(
        (config["encoderLayers"], config["decoderLayers"]), heads, pre_norm=pre_norm,
        activation=common_spec.Activation.RELU)
    positions = sinusoidal(config["maxPositions"] + 1, d)[1:]
    embedding = w["encoder.embed_tokens.weight"]

    def linear(spec, prefix):
        spec.weight = w[prefix + ".weight"]
        spec.bias = w[prefix + ".bias"]

    def norm(spec, prefix):
        spec.gamma = w[prefix + ".weight"]
        spec.beta = w[prefix + ".bias"]

    def fused(spec, prefix, parts):
        spec.weight = np.concatenate([w[f"{prefix}.{p}_proj.weight"] for p in parts])
        spec.bias = np.concatenate([w[f"{prefix}.{p}_proj.bias"] for p in parts])

    for side, module in (("encoder", spec.encoder), ("decoder", spec.decoder)):
        if side == "encoder":
            module.embeddings[0].weight = embedding
        else:
            module.embeddings.weight = embedding
        module.position_encodings.encodings = positions
        module.scale_embeddings = True
        if pre_norm:
            norm(module.layer_norm, f"{side}.layer_norm")
        for i, layer in enumerate(module.layer):
            p = f"{side}.layers.{i}"
            fused(layer.self_attention.linear[0], p + ".self_attn", "qkv")
            linear(layer.self_attention.linear[1], p + ".self_attn.out_proj")
            norm(layer.self_attention.layer_norm, p + ".self_attn_layer_norm")
            if side == "decoder":
                linear(layer.attention.linear[0], p + ".encoder_attn.q_proj")
                fused(layer.attention.linear[1], p + ".encoder_attn", "kv")
                linear(layer.attention.linear[2], p + ".encoder_attn.out_proj")
                norm(layer.attention.layer_norm, p + ".encoder_attn_layer_norm")
            linear(layer.ffn.linear_0, p + ".fc1")
            linear(layer.ffn.linear_1, p + ".fc2")
            norm(layer.ffn.layer_norm, p + ".final_layer_norm")
    spec.decoder.projection.weight = embedding
    spec.decoder.projection.bias = np.zeros(embedding.shape[0], dtype=np.float32)
    vocabulary = vocabulary or read_vocabulary(vocab_path)
    spec.register_source_vocabulary(vocabulary)
    spec.register_target_vocabulary(vocabulary)
    spec.config.unk_token, spec.config.bos_token, spec.config.eos_token = "<unk>", "<s>", "</s>"
    spec.config.decoder_start_token = "<s>"
    spec.config.add_source_bos = False
    spec.config.add_source_eos = True   # nmt, like fairseq, appends </s> to every source
    spec.config.layer_norm_epsilon = 1e-5
    spec.validate()
    spec.optimize(quantization=None)
    os.makedirs(out_dir, exist_ok=True)
    spec.save(out_dir)


def translate(ct2_dir, pieces_path, out_path, beam=5, lenpen=1.0, a=1.2, b=10, threads=2, compute_type="float32", batch=64,
              grouping="exact"):
    import ctranslate2
    translator = ctranslate2.Translator(ct2_dir, device="cpu", compute_type=compute_type, inter_threads=1, intra_threads=threads)
    sources = [line.split() for line in open(pieces_path, encoding="utf-8").read().split("\n")[:-1]]
    limits = [max(1, int(a * len(s)) + b) for s in sources]   # BeamSearch.Settings.maxLength
    outputs = [None] * len(sources)
    # One max_decoding_length per call: group sentences by their limit, in batches of `batch`.
    order = sorted(range(len(sources)), key=lambda i: (limits[i], i))
    t0 = time.perf_counter()
    for start in range(0, len(order), batch):
        chunk = order[start:start + batch]
        groups = {}
        for i in chunk:
            # exact: each sentence's own limit, as nmt (small batches where lengths vary);
            # batch: one limit per batch, its longest sentence's (full batches, faster; a
            # shorter sentence that runs to its limit may then differ from nmt).
            key = limits[i] if grouping == "exact" else max(limits[j] for j in chunk)
            groups.setdefault(key, []).append(i)
        for limit, ids in groups.items():
            todo = [i for i in ids if sources[i]]
            for i in ids:
                if not sources[i]:
                    outputs[i] = []
            if not todo:
                continue
            results = translator.translate_batch([sources[i] for i in todo], beam_size=beam, length_penalty=lenpen,
                                                 max_decoding_length=limit, return_scores=True,
                                                 max_batch_size=batch)
            for i, r in zip(todo, results):
                outputs[i] = r.hypotheses[0]
    seconds = time.perf_counter() - t0
    with open(out_path, "w", encoding="utf-8") as f:
        f.write("".join(" ".join(o) + "\n" for o in outputs))
    print(json.dumps({"seconds": seconds, "sentences": len(sources)}))


def fixture_pieces(size):
    """The stand-in vocabulary of the test fixtures: the four special pieces, then p4, p5, … (one non-ASCII)."""
    return ["<pad>", "<s>", "</s>", "<unk>", "\u2581a\u00e9"] + ["p%d" % i for i in range(5, size)]


def fixtures():
    """Tests/Fixtures/ctranslate2/{postnorm,prenorm}: the transformer fixtures' weights converted by ctranslate2."""
    root = os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "Fixtures")
    for variant in ("postnorm", "prenorm"):
        out = os.path.join(root, "ctranslate2", variant)
        if os.path.isdir(out):
            for name in os.listdir(out):
                os.remove(os.path.join(out, name))
        convert(os.path.join(root, "transformer", variant + ".weights.safetensors"), None, out, vocabulary=fixture_pieces(50))
        print("wrote", out)


if __name__ == "__main__":
    if sys.argv[1:] == ["fixtures"]:
        fixtures()
    elif len(sys.argv) == 5 and sys.argv[1] == "convert":
        convert(*sys.argv[2:5])
    elif len(sys.argv) >= 5 and sys.argv[1] == "translate":
        opts = dict(zip(sys.argv[5::2], sys.argv[6::2]))
        translate(sys.argv[2], sys.argv[3], sys.argv[4], beam=int(opts.get("--beam", 5)), lenpen=float(opts.get("--lenpen", 1)),
                  a=float(opts.get("--max-len-a", 1.2)), b=int(opts.get("--max-len-b", 10)), threads=int(opts.get("--threads", 2)),
                  compute_type=opts.get("--compute-type", "float32"), batch=int(opts.get("--batch", 64)),
                  grouping=opts.get("--grouping", "exact"))
    else:
        sys.exit(__doc__)

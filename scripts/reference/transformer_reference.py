"""The nmt Transformer written out in plain PyTorch (torch.nn.functional only).

Same computation as Sources/Transformer: fairseq's transformer with shared embeddings,
sinusoidal positions (fairseq's SinusoidalPositionalEmbedding with padding_idx = 0, so the
first token has position 1; pad tokens get a zero vector), embeddings scaled by sqrt(d),
post-norm (default) or pre-norm with a final layer norm per stack, ReLU FFN, tied output
projection, and the label-smoothed loss
    loss = sum_tokens (1-eps)*nll + eps/V * sum_v(-log p_v)   (pad targets ignored).
Parameter names are those of docs/safetensors.md. Dropout is not modelled (off).
Used by make_transformer_fixture.py and scripts/bench/30-model.sh.
"""
import math
import torch
import torch.nn.functional as F

PAD = 0


def parameter_shapes(cfg):
    """(name, shape) in the Swift flat-buffer order."""
    V, d, f = cfg["vocabularySize"], cfg["modelDimension"], cfg["ffnDimension"]
    out = [("encoder.embed_tokens.weight", (V, d))]

    def attn(p):
        return [(p + "q_proj.weight", (d, d)), (p + "k_proj.weight", (d, d)), (p + "v_proj.weight", (d, d)),
                (p + "q_proj.bias", (d,)), (p + "k_proj.bias", (d,)), (p + "v_proj.bias", (d,)),
                (p + "out_proj.weight", (d, d)), (p + "out_proj.bias", (d,))]

    def norm(p):
        return [(p + ".weight", (d,)), (p + ".bias", (d,))]

    def ffn(p):
        return [(p + "fc1.weight", (f, d)), (p + "fc1.bias", (f,)), (p + "fc2.weight", (d, f)), (p + "fc2.bias", (d,))]

    for i in range(cfg["encoderLayers"]):
        p = f"encoder.layers.{i}."
        out += attn(p + "self_attn.") + norm(p + "self_attn_layer_norm") + ffn(p) + norm(p + "final_layer_norm")
    if cfg["normalizeBefore"]:
        out += norm("encoder.layer_norm")
    for i in range(cfg["decoderLayers"]):
        p = f"decoder.layers.{i}."
        out += attn(p + "self_attn.") + norm(p + "self_attn_layer_norm") + attn(p + "encoder_attn.") \
            + norm(p + "encoder_attn_layer_norm") + ffn(p) + norm(p + "final_layer_norm")
    if cfg["normalizeBefore"]:
        out += norm("decoder.layer_norm")
    return out


def sinusoidal_table(n, d, dtype):
    half = d // 2
    step = math.log(10000.0) / (half - 1)
    freqs = torch.exp(torch.arange(half, dtype=torch.float64) * -step)
    angles = torch.arange(n, dtype=torch.float64)[:, None] * freqs[None, :]
    table = torch.cat([torch.sin(angles), torch.cos(angles)], dim=1)
    table[PAD] = 0
    return table.to(torch.float32).to(dtype)  # Swift rounds the table to float32 once


def embed(ids, P, cfg, table):
    d = cfg["modelDimension"]
    mask = ids.ne(PAD)
    pos = torch.cumsum(mask.long(), dim=1) * mask.long()  # 1, 2, ... for tokens, 0 for pads
    x = math.sqrt(d) * F.embedding(ids, P["encoder.embed_tokens.weight"]) + table[pos]
    return x * mask.unsqueeze(-1).to(x.dtype)


def layer_norm(x, P, name):
    return F.layer_norm(x, (x.shape[-1],), P[name + ".weight"], P[name + ".bias"], eps=1e-5)


def attention(xq, xkv, P, p, key_pad, causal, heads):
    B, Tq, d = xq.shape
    Tk = xkv.shape[1]
    dh = d // heads
    q = F.linear(xq, P[p + "q_proj.weight"], P[p + "q_proj.bias"]).view(B, Tq, heads, dh).transpose(1, 2)
    k = F.linear(xkv, P[p + "k_proj.weight"], P[p + "k_proj.bias"]).view(B, Tk, heads, dh).transpose(1, 2)
    v = F.linear(xkv, P[p + "v_proj.weight"], P[p + "v_proj.bias"]).view(B, Tk, heads, dh).transpose(1, 2)
    scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(dh)
    mask = key_pad[:, None, None, :].expand(B, heads, Tq, Tk)
    if causal:
        mask = mask | torch.triu(torch.ones(Tq, Tk, dtype=torch.bool, device=xq.device), diagonal=1 + Tk - Tq)
    probs = torch.softmax(scores.masked_fill(mask, float("-inf")), dim=-1)
    ctx = torch.matmul(probs, v).transpose(1, 2).reshape(B, Tq, d)
    return F.linear(ctx, P[p + "out_proj.weight"], P[p + "out_proj.bias"])


def ffn(x, P, p):
    return F.linear(F.relu(F.linear(x, P[p + "fc1.weight"], P[p + "fc1.bias"])), P[p + "fc2.weight"], P[p + "fc2.bias"])


def block(x, P, norm, pre, f):
    if pre:
        return x + f(layer_norm(x, P, norm))
    return layer_norm(x + f(x), P, norm)


def forward(P, cfg, source, target_input, table):
    """Logits [B, T, V]."""
    H, pre = cfg["heads"], cfg["normalizeBefore"]
    src_pad = source.eq(PAD)
    tgt_pad = target_input.eq(PAD)
    x = embed(source, P, cfg, table)
    for i in range(cfg["encoderLayers"]):
        p = f"encoder.layers.{i}."
        x = block(x, P, p + "self_attn_layer_norm", pre, lambda h: attention(h, h, P, p + "self_attn.", src_pad, False, H))
        x = block(x, P, p + "final_layer_norm", pre, lambda h: ffn(h, P, p))
    if pre:
        x = layer_norm(x, P, "encoder.layer_norm")
    enc = x
    y = embed(target_input, P, cfg, table)
    for i in range(cfg["decoderLayers"]):
        p = f"decoder.layers.{i}."
        y = block(y, P, p + "self_attn_layer_norm", pre, lambda h: attention(h, h, P, p + "self_attn.", tgt_pad, True, H))
        y = block(y, P, p + "encoder_attn_layer_norm", pre, lambda h: attention(h, enc, P, p + "encoder_attn.", src_pad, False, H))
        y = block(y, P, p + "final_layer_norm", pre, lambda h: ffn(h, P, p))
    if pre:
        y = layer_norm(y, P, "decoder.layer_norm")
    return F.linear(y, P["encoder.embed_tokens.weight"])


def label_smoothed_loss(logits, target_output, eps):
    V = logits.shape[-1]
    lprobs = torch.log_softmax(logits, dim=-1)
    keep = target_output.ne(PAD)
    nll = -lprobs.gather(-1, target_output.unsqueeze(-1)).squeeze(-1)
    smooth = -lprobs.sum(-1)
    nll = nll.masked_fill(~keep, 0.0).sum()
    smooth = smooth.masked_fill(~keep, 0.0).sum()
    return (1 - eps) * nll + eps / V * smooth, nll, int(keep.sum())

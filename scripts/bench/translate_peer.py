"""PyTorch peer for scripts/bench/60-translate.sh: batched beam search over the same weights
(an `nmt export` safetensors file) with the semantics of Sources/Decoding/BeamSearch.swift,
which follows fairseq's SequenceGenerator:

- each sentence keeps `beam` hypotheses (only the first is live at step 0); every step ranks
  the best 2·beam extensions (cumulative log-probabilities, pad and <s> forbidden);
- a `</s>` candidate finishes a hypothesis only if ranked within the first `beam`, with score
  logprob / length^lenpen where the length counts `</s>`; the first `beam` non-`</s>`
  candidates continue;
- a sentence stops with `beam` finished hypotheses, or at its maximum length
  int(a·source length + b) (source without `</s>`), where `</s>` is forced;
- sentences are batched as nmt's Translator does (sorted by length, ≤ 4·batch-tokens
  beam-expanded source tokens), finished sentences leave the batch.
Incremental decoding caches self-attention keys/values and the encoder's cross-attention
keys/values, reordered with index_select (fairseq's reorder_incremental_state).
Scores accumulate in float64 as nmt's do: the 2·beam+8 best candidates are found with a
float32 topk and re-ranked exactly (float64, ties to the lower beam then lower token).

Reads source ids (one line of space-separated ids per sentence, as `nmt bpe encode --ids`),
writes the best hypothesis of each as ids, one line each, and prints the search time.
Usage: translate_peer.py MODEL.safetensors SOURCE_IDS OUT_IDS BEAM THREADS [LENPEN MAX_LEN_A MAX_LEN_B BATCH_TOKENS]
"""
import json
import math
import os
import sys
import time

import torch
import torch.nn.functional as F
from safetensors.torch import load_file
from safetensors import safe_open

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "reference"))
import transformer_reference as ref  # noqa: E402

PAD, BOS, EOS = 0, 1, 2
NEG = float("-inf")


class Model:
    def __init__(self, path):
        self.P = load_file(path)
        with safe_open(path, framework="pt") as f:
            self.cfg = json.loads(f.metadata()["nmt.transformer_config"])
        if self.cfg["normalizeBefore"]:
            raise SystemExit("translate_peer: pre-norm models are not supported by this peer")
        c = self.cfg
        self.d, self.H, self.V = c["modelDimension"], c["heads"], c["vocabularySize"]
        self.dh = self.d // self.H
        self.table = ref.sinusoidal_table(c["maxPositions"] + 1, self.d, torch.float32)
        self.E = self.P["encoder.embed_tokens.weight"]

    def encode(self, src):
        """Encoder output [n, S, d] and per-layer cross keys/values [n, H, S, dh]."""
        P, c = self.P, self.cfg
        pad = src.eq(PAD)
        x = ref.embed(src, P, c, self.table)
        for i in range(c["encoderLayers"]):
            p = f"encoder.layers.{i}."
            x = ref.layer_norm(x + ref.attention(x, x, P, p + "self_attn.", pad, False, self.H), P, p + "self_attn_layer_norm")
            x = ref.layer_norm(x + ref.ffn(x, P, p), P, p + "final_layer_norm")
        n, S, _ = x.shape
        cross = []
        for i in range(c["decoderLayers"]):
            p = f"decoder.layers.{i}.encoder_attn."
            k = F.linear(x, P[p + "k_proj.weight"], P[p + "k_proj.bias"]).view(n, S, self.H, self.dh).transpose(1, 2)
            v = F.linear(x, P[p + "v_proj.weight"], P[p + "v_proj.bias"]).view(n, S, self.H, self.dh).transpose(1, 2)
            cross.append((k, v))
        return pad, cross

    def _attend(self, q, k, v, mask):
        """q [R, H, 1, dh] against k, v [R, H, L, dh]; mask [R, 1, 1, L] (True = ignore) or None."""
        scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(self.dh)
        if mask is not None:
            scores = scores.masked_fill(mask, NEG)
        return torch.matmul(torch.softmax(scores, dim=-1), v)

    def step(self, tokens, position, cache):
        """Log-probabilities [R, V] of the next token after `tokens` [R] at `position`
        (0-based; the embedding uses position + 1). Appends to the self-attention cache."""
        P, R, d, H, dh = self.P, tokens.shape[0], self.d, self.H, self.dh
        x = math.sqrt(d) * F.embedding(tokens, self.E) + self.table[position + 1]
        for i in range(self.cfg["decoderLayers"]):
            p = f"decoder.layers.{i}."
            a = p + "self_attn."
            q = F.linear(x, P[a + "q_proj.weight"], P[a + "q_proj.bias"]).view(R, H, 1, dh)
            k = F.linear(x, P[a + "k_proj.weight"], P[a + "k_proj.bias"]).view(R, H, 1, dh)
            v = F.linear(x, P[a + "v_proj.weight"], P[a + "v_proj.bias"]).view(R, H, 1, dh)
            if cache["self"][i] is not None:
                k = torch.cat([cache["self"][i][0], k], dim=2)
                v = torch.cat([cache["self"][i][1], v], dim=2)
            cache["self"][i] = (k, v)
            ctx = self._attend(q, k, v, None).reshape(R, d)
            x = ref.layer_norm(x + F.linear(ctx, P[a + "out_proj.weight"], P[a + "out_proj.bias"]), P, p + "self_attn_layer_norm")
            a = p + "encoder_attn."
            q = F.linear(x, P[a + "q_proj.weight"], P[a + "q_proj.bias"]).view(R, H, 1, dh)
            ck, cv = cache["cross"][i]
            ctx = self._attend(q, ck, cv, cache["pad"]).reshape(R, d)
            x = ref.layer_norm(x + F.linear(ctx, P[a + "out_proj.weight"], P[a + "out_proj.bias"]), P, p + "encoder_attn_layer_norm")
            x = ref.layer_norm(x + ref.ffn(x, P, p), P, p + "final_layer_norm")
        return torch.log_softmax(F.linear(x, self.E), dim=-1)


def reorder(cache, rows):
    cache["self"] = [None if kv is None else (kv[0].index_select(0, rows), kv[1].index_select(0, rows)) for kv in cache["self"]]
    cache["cross"] = [(k.index_select(0, rows), v.index_select(0, rows)) for k, v in cache["cross"]]
    cache["pad"] = cache["pad"].index_select(0, rows)


def search(model, sources, beam, lenpen, max_len_a, max_len_b):
    """Best hypothesis (ids without </s>) of each source."""
    n, V = len(sources), model.V
    max_out = model.cfg["maxPositions"] - 2
    max_len = [min(max(1, int(max_len_a * len(s)) + max_len_b), max_out) for s in sources]
    S = max(len(s) for s in sources) + 1
    src = torch.zeros(n, S, dtype=torch.long)
    for r, s in enumerate(sources):
        src[r, :len(s) + 1] = torch.tensor(s + [EOS])
    pad, cross = model.encode(src)
    expand = torch.arange(n).repeat_interleave(beam)
    cache = {"self": [None] * model.cfg["decoderLayers"], "pad": pad[:, None, None, :],
             "cross": cross}
    reorder(cache, expand)
    active = list(range(n))                      # sentence of each row block
    scores = torch.full((n, beam), NEG, dtype=torch.float64)
    scores[:, 0] = 0.0
    tokens = torch.full((n * beam, 1), BOS, dtype=torch.long)
    finished = [[] for _ in range(n)]
    k_search = min(2 * beam + 8, beam * V)
    step = 0
    while active:
        m = len(active)
        lprobs = model.step(tokens[:, -1], step, cache)          # [m·beam, V]
        lprobs[:, PAD] = NEG
        lprobs[:, BOS] = NEG
        force = torch.tensor([step >= max_len[s] for s in active])
        if bool(force.any()):
            rows = force.repeat_interleave(beam)
            eos_col = lprobs[rows, EOS].clone()
            lprobs[rows] = NEG
            lprobs[rows, EOS] = eos_col
        # Candidates: float32 topk to shortlist, exact float64 re-rank (ties: lower flat index).
        lp = lprobs.view(m, beam * V)
        approx = lp + scores.to(torch.float32).repeat_interleave(V, dim=1)
        _, idx = torch.topk(approx, k_search, dim=1)
        idx, _ = torch.sort(idx, dim=1)                           # flat index order for stable ties
        exact = scores.gather(1, idx // V) + lp.gather(1, idx).to(torch.float64)
        order = torch.sort(exact, dim=1, descending=True, stable=True).indices[:, :2 * beam]
        cand_idx = idx.gather(1, order)
        cand_score = exact.gather(1, order)
        cand_beam, cand_tok = cand_idx // V, cand_idx % V
        finite = cand_score > NEG
        is_eos = cand_tok.eq(EOS) & finite
        # Finish </s> candidates ranked within the first beam.
        for b_i, rank in is_eos[:, :beam].nonzero().tolist():
            s = active[b_i]
            if len(finished[s]) < beam:
                length = step + 1
                hyp_tokens = tokens[b_i * beam + int(cand_beam[b_i, rank]), 1:].tolist()
                score = float(cand_score[b_i, rank])
                finished[s].append((score / length ** lenpen, hyp_tokens))
        # The first `beam` live (finite, non-</s>) candidates continue.
        blocked = (is_eos | ~finite).long() * (2 * beam) + torch.arange(2 * beam)
        keep = torch.topk(blocked, beam, dim=1, largest=False).values
        keep_pos = keep % (2 * beam)
        keep_ok = keep < 2 * beam
        live_count = keep_ok.sum(1).tolist()
        force_l = force.tolist()
        stay = [b_i for b_i in range(m)
                if not (len(finished[active[b_i]]) >= beam or force_l[b_i] or live_count[b_i] == 0)]
        if not stay:
            break
        stay_t = torch.tensor(stay)
        pos = keep_pos[stay_t]
        ok = keep_ok[stay_t]
        first = pos[:, :1].expand_as(pos)
        pos = torch.where(ok, pos, first)                         # dummy beams copy the first row
        new_scores = cand_score[stay_t].gather(1, pos).masked_fill(~ok, NEG)
        src_rows = (stay_t[:, None] * beam + cand_beam[stay_t].gather(1, pos)).reshape(-1)
        new_tok = cand_tok[stay_t].gather(1, pos).reshape(-1, 1)
        tokens = torch.cat([tokens.index_select(0, src_rows), new_tok], dim=1)
        reorder(cache, src_rows)
        scores = new_scores
        active = [active[b_i] for b_i in stay]
        step += 1
    best = []
    for hyps in finished:
        hyps.sort(key=lambda h: -h[0])
        best.append(hyps[0][1] if hyps else [])
    return best


def main():
    model_path, source_path, out_path, beam, threads = sys.argv[1:6]
    rest = sys.argv[6:]
    lenpen = float(rest[0]) if len(rest) > 0 else 1.0
    max_len_a = float(rest[1]) if len(rest) > 1 else 1.2
    max_len_b = int(rest[2]) if len(rest) > 2 else 10
    batch_tokens = int(rest[3]) if len(rest) > 3 else 4096
    beam, threads = int(beam), int(threads)
    torch.set_num_threads(threads)
    model = Model(model_path)
    sources = [[int(t) for t in line.split()] for line in open(source_path, encoding="utf-8").read().split("\n")[:-1]]
    results = [[] for _ in sources]
    with torch.inference_mode():
        t0 = time.perf_counter()
        # nmt's Translator batching: by length, ≤ 4·batch-tokens beam-expanded source tokens.
        order = sorted((i for i, s in enumerate(sources) if s), key=lambda i: (len(sources[i]), i))
        start = 0
        while start < len(order):
            end, longest = start, 0
            while end < len(order):
                length = len(sources[order[end]]) + 1
                if end > start and max(longest, length) * (end - start + 1) * beam > batch_tokens * 4:
                    break
                longest = max(longest, length)
                end += 1
            batch = order[start:end]
            for i, hyp in zip(batch, search(model, [sources[i] for i in batch], beam, lenpen, max_len_a, max_len_b)):
                results[i] = hyp
            start = end
        seconds = time.perf_counter() - t0
    with open(out_path, "w", encoding="utf-8") as f:
        for hyp in results:
            f.write(" ".join(map(str, hyp)) + "\n")
    print(json.dumps({"torch": torch.__version__, "threads": threads, "seconds": seconds}))


if __name__ == "__main__":
    main()

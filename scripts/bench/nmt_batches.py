"""The training batches `nmt train` uses, rebuilt in Python (standard library only), so a
PyTorch peer trains on exactly the same sentence pairs in the same order.

Mirrors Sources/Training: the encoded-corpus cache (EncodedCorpus.write: "NMTI", u32 pair
count, u32 unknown characters, then per pair u32 source length, u32 target length and the
int32 ids), the Batcher (drop empty and over-long pairs, sort by target length, source
length, index; cut where rows × (longest side + 1) would exceed max-tokens), and the epoch
order (SplitMix64.stream(seed, epoch) driving a Fisher–Yates shuffle).
"""
import array
import os
import struct

MASK = (1 << 64) - 1


class SplitMix64:
    def __init__(self, seed):
        self.state = seed & MASK

    def next(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & MASK
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        return z ^ (z >> 31)

    @staticmethod
    def stream(seed, index):
        base = SplitMix64(seed ^ ((index * 0xD1B54A32D192ED03) & MASK))
        return SplitMix64(base.next())


def read_cache(path):
    """[(source ids, target ids)] from an EncodedCorpus cache file."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:4] != b"NMTI":
        raise ValueError(f"{path}: not an nmt encoded-corpus cache")
    count, _unknown = struct.unpack_from("<II", data, 4)
    offset = 12
    pairs = []
    for _ in range(count):
        s, t = struct.unpack_from("<II", data, offset)
        offset += 8
        src = array.array("i", data[offset:offset + 4 * s]); offset += 4 * s
        tgt = array.array("i", data[offset:offset + 4 * t]); offset += 4 * t
        pairs.append((list(src), list(tgt)))
    return pairs


def find_cache(cache_dir, pair_count):
    """The cache file in `cache_dir` holding `pair_count` pairs (the training set)."""
    for name in sorted(os.listdir(cache_dir)):
        if name.endswith(".ids"):
            path = os.path.join(cache_dir, name)
            with open(path, "rb") as f:
                head = f.read(8)
            if head[:4] == b"NMTI" and struct.unpack("<I", head[4:8])[0] == pair_count:
                return path
    raise FileNotFoundError(f"no encoded corpus of {pair_count} pairs in {cache_dir}")


def make_batches(pairs, max_tokens, max_length):
    kept = []
    for i, (s, t) in enumerate(pairs):
        if not s or not t:
            continue
        if len(s) + 1 > max_length or len(t) + 1 > max_length or max(len(s), len(t)) + 1 > max_tokens:
            continue
        kept.append(i)
    kept.sort(key=lambda i: (len(pairs[i][1]), len(pairs[i][0]), i))
    batches, current, longest = [], [], 0
    for i in kept:
        length = max(len(pairs[i][0]), len(pairs[i][1])) + 1
        if current and max(longest, length) * (len(current) + 1) > max_tokens:
            batches.append(current)
            current, longest = [], 0
        current.append(i)
        longest = max(longest, length)
    if current:
        batches.append(current)
    return batches


def epoch_order(batch_count, epoch, seed):
    order = list(range(batch_count))
    rng = SplitMix64.stream(seed, epoch)
    for i in range(batch_count - 1, 0, -1):
        j = rng.next() % (i + 1)
        if i != j:
            order[i], order[j] = order[j], order[i]
    return order


def training_batches(pairs, updates, max_tokens, max_length=256, seed=1):
    """The sentence pairs of each of the first `updates` updates (update-freq 1), as nmt
    train takes them: epoch 1's shuffled batches, then epoch 2's, …"""
    batches = make_batches(pairs, max_tokens, max_length)
    out, epoch = [], 1
    while len(out) < updates:
        out += [[pairs[i] for i in batches[b]] for b in epoch_order(len(batches), epoch, seed)]
        epoch += 1
    return out[:updates]


def target_tokens(batch):
    """Loss tokens of a batch: every target id plus its </s>."""
    return sum(len(t) + 1 for _, t in batch)

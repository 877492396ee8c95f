#!/usr/bin/env python3
"""Writes the seed inputs of `make fuzz` under Tests/Fixtures/fuzz/TARGET/ (small valid and
near-valid examples of each reader's input; the fuzzer mutates from them). Crashes it finds are
added beside them by hand, named crash-*, and replayed by FuzzTargetsTests."""
import json, os, struct

root = os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "Fixtures", "fuzz")

def write(target, name, data):
    with open(os.path.join(root, target, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())

def safetensors(header, payload):
    h = json.dumps(header).encode()
    return struct.pack("<Q", len(h)) + h + payload

floats = struct.pack("<6f", 1, 2, 3, 4, 5, 6)
write("safetensors", "valid", safetensors({"__metadata__": {"k": "v"}, "a": {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 24]},
                                           "b": {"dtype": "F32", "shape": [1], "data_offsets": [24, 28]}}, floats + struct.pack("<f", 7)))
write("safetensors", "negative-offsets", safetensors({"a": {"dtype": "F32", "shape": [1], "data_offsets": [-8, -4]}}, floats))
write("safetensors", "overlap", safetensors({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
                                             "b": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}}, floats))

# bpe-model/small is a whole small model (valid: counts and SHA-256 agree, so mutations reach
# past the header), written by nmt itself: head -200 Tests/Fixtures/corpus-small/train.en > t.txt;
# nmt bpe learn --vocab-size 120 --out Tests/Fixtures/fuzz/bpe-model/small t.txt

write("corpus-lines", "crlf", b"uno\r\ndos\r\n\r\n tres \n")
write("corpus-lines", "invalid-utf8", b"ok\n\xc3\x28\nfin")
write("corpus-lines", "scalars", "ñandú — 你好 🙂\n".encode())

write("yaml-config", "run", "preset: tiny\nlr: 1e-3\nwarmup: untuned\nbetas: [0.9, 0.98]\neval-bleu: true\nmax-update: 10\n")
write("yaml-config", "nested", "a:\n  b: [1, {c: d}]\n---\nx: &r 1\ny: *r\n")

write("bundle-manifest", "model.json", open(os.path.join(root, "..", "..", "..", "models", "bible-es-en", "model.json"), "rb").read())

write("http-request", "translate", 'POST /translate HTTP/1.1\r\nHost: x\r\nContent-Length: 27\r\n\r\n{"text": ["hola"], "beam": 2}')
write("http-request", "chunked-opennmt", 'POST /translator/translate HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n12\r\n[{"src": "hola"}]\r\n0\r\n\r\n')
write("http-request", "pipelined", "GET /health HTTP/1.1\r\n\r\nGET /model HTTP/1.0\r\nConnection: keep-alive\r\n\r\nBREW /x HTTP/1.1\r\n\r\n")

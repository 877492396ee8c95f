#!/usr/bin/env bash
# Save/load time of a checkpoint of the `small` preset's size in the Store: 7,577,600 weights
# (30 MB) and Adam's state (two moments, 61 MB), a small JSON state; five saves with --keep-last 2
# (from the third on, retention frees an old checkpoint's pages for the next), then a load, with
# the SHA-256 part measured separately. References measured in the same run: Python's sqlite3
# inserting the same 91 MB in one transaction, hashlib's SHA-256 of it, and writing it to a file
# with fsync (the disk's speed).
# Compiles Hashing + Store with -O straight from the sources (they are not package products).
set -euo pipefail
cd "$(dirname "$0")/../.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
swiftc -O -parse-as-library -module-name Hashing -I Sources/CCrypto -emit-module -emit-module-path "$tmp/Hashing.swiftmodule" \
  -emit-library -static -o "$tmp/libHashing.a" Sources/Hashing/*.swift
swiftc -O -parse-as-library -module-name Parallelism -emit-module -emit-module-path "$tmp/Parallelism.swiftmodule" \
  -emit-library -static -o "$tmp/libParallelism.a" Sources/Parallelism/*.swift
swiftc -O -parse-as-library -module-name Store -I "$tmp" -I Sources/CSQLite -I Sources/CCrypto -emit-module -emit-module-path "$tmp/Store.swiftmodule" \
  -emit-library -static -o "$tmp/libStore.a" Sources/Store/*.swift
cat > "$tmp/main.swift" <<'SWIFT'
import Foundation
import Hashing
import Store

func seconds(_ body: () throws -> Void) rethrows -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}
let path = CommandLine.arguments[1]
let store = try RunStore(path: path)
try store.copyWALInBackground()   // as a training run's recorder does
try store.createRun(NewRun(name: "bench", configurationJSON: "{}", corpus: [], vocabularySHA256: "", seed: 1,
                           toolVersion: "bench", gitCommit: "", blas: "", optimizer: "adam", learningRate: 1e-3, warmupSteps: 0))
let parameters = 7_577_600
let weights = (0..<parameters).map { Float($0 % 1000) * 0.001 }
let moments = (0..<(2 * parameters)).map { Float($0 % 997) * 1e-6 }
let optimizer = Data(bytes: moments, count: moments.count * 4)
let payload = CheckpointPayload(weights: weights, optimizerState: optimizer, trainingState: Data(#"{"step":1}"#.utf8))
let hash = seconds {
    weights.withUnsafeBytes { _ = SHA256.hexDigest(of: $0) }
    optimizer.withUnsafeBytes { _ = SHA256.hexDigest(of: $0) }
}
var saves: [Double] = []
var copies: [Double] = []
for update in 1...5 {
    saves.append(try seconds {
        try store.saveCheckpoint(payload, run: "bench", update: update, epoch: 1, validLoss: nil, kind: .periodic, keepLast: 2)
    })
    // In training, minutes of updates pass between saves; the WAL copy runs meanwhile.
    copies.append(seconds { store.waitForWALCopy() })
}
let fileSize = (try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
var loaded: Checkpoint? = nil
let load = try seconds { loaded = try store.loadCheckpoint(run: "bench", .last) }
precondition(loaded!.payload == payload)
print(String(format: "store: SHA-256 of 91 MB %.3f s; saveCheckpoint (hash + insert + retention) %@ s; loadCheckpoint (read + verify) %.3f s",
             hash, saves.map { String(format: "%.3f", $0) }.joined(separator: ", "), load))
print(String(format: "store: the WAL copied into the database after each save, on its own thread: %@ s; database file %.0f MB for 2 checkpoints kept",
             copies.map { String(format: "%.3f", $0) }.joined(separator: ", "), Double(fileSize) / 1e6))
SWIFT
swiftc -O "$tmp/main.swift" -I "$tmp" -I Sources/CSQLite -I Sources/CCrypto -L "$tmp" -lStore -lHashing -lParallelism -lsqlite3 -lcrypto -o "$tmp/bench"
"$tmp/bench" "$tmp/bench.sqlite"
if command -v python3 >/dev/null; then
python3 - "$tmp/ref.sqlite" <<'PY'
import hashlib, sqlite3, sys, time, array
import os
n = 7_577_600
weights = array.array('f', (i % 1000 * 0.001 for i in range(n))).tobytes()
moments = array.array('f', (i % 997 * 1e-6 for i in range(2 * n))).tobytes()
t = time.perf_counter(); hashlib.sha256(weights).hexdigest(); hashlib.sha256(moments).hexdigest(); h = time.perf_counter() - t
db = sqlite3.connect(sys.argv[1]); db.execute("PRAGMA page_size=65536"); db.execute("PRAGMA journal_mode=WAL"); db.execute("PRAGMA synchronous=NORMAL")
db.execute("CREATE TABLE c (id INTEGER PRIMARY KEY, w BLOB, o BLOB)")
times = []
for i in range(5):
    t = time.perf_counter()
    with db:
        db.execute("INSERT INTO c (w, o) VALUES (?, ?)", (weights, moments))
        db.execute("DELETE FROM c WHERE id <= ?", (i - 1,))
    times.append(time.perf_counter() - t)
path = sys.argv[1] + ".raw"
t = time.perf_counter()
with open(path, "wb") as f:
    f.write(weights); f.write(moments); f.flush(); os.fsync(f.fileno())
raw = time.perf_counter() - t
print("reference (python sqlite3 + hashlib): SHA-256 of 91 MB %.3f s; INSERT of the same blobs, keeping 2: %s s; "
      "writing them to a file with fsync: %.3f s" % (h, ", ".join("%.3f" % x for x in times), raw))
PY
else echo "reference: python3 not found, skipped"; fi

#!/usr/bin/env bash
# Save/load time of a 10M-float (40 MB) checkpoint in the Store (weights 10M floats, optimizer
# state 0, small JSON state), with the SHA-256 part measured separately, and a reference measured
# in the same run: Python's sqlite3 inserting the same 40 MB blob and hashlib's SHA-256 of it.
# Compiles Hashing + Store with -O straight from the sources (they are not package products).
set -euo pipefail
cd "$(dirname "$0")/../.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
swiftc -O -parse-as-library -module-name Hashing -I Sources/CCrypto -emit-module -emit-module-path "$tmp/Hashing.swiftmodule" \
  -emit-library -static -o "$tmp/libHashing.a" Sources/Hashing/*.swift
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
try store.createRun(NewRun(name: "bench", configurationJSON: "{}", corpus: [], vocabularySHA256: "", seed: 1,
                           toolVersion: "bench", gitCommit: "", blas: "", optimizer: "adam", learningRate: 1e-3, warmupSteps: 0))
let weights = (0..<10_000_000).map { Float($0 % 1000) * 0.001 }
let payload = CheckpointPayload(weights: weights, optimizerState: Data(), trainingState: Data(#"{"step":1}"#.utf8))
let hash = weights.withUnsafeBytes { bytes in seconds { _ = SHA256.hexDigest(of: bytes) } }
var saves: [Double] = []
for update in 1...3 {
    saves.append(try seconds {
        try store.saveCheckpoint(payload, run: "bench", update: update, epoch: 1, validLoss: nil, kind: .periodic, keepLast: 2)
    })
}
var loaded: Checkpoint? = nil
let load = try seconds { loaded = try store.loadCheckpoint(run: "bench", .last) }
precondition(loaded!.payload == payload)
print(String(format: "store: SHA-256 of 40 MB %.3f s; saveCheckpoint (hash + insert + retention) %@ s; loadCheckpoint (read + verify) %.3f s",
             hash, saves.map { String(format: "%.3f", $0) }.joined(separator: ", "), load))
SWIFT
swiftc -O "$tmp/main.swift" -I "$tmp" -I Sources/CSQLite -I Sources/CCrypto -L "$tmp" -lStore -lHashing -lsqlite3 -lcrypto -o "$tmp/bench"
"$tmp/bench" "$tmp/bench.sqlite"
if command -v python3 >/dev/null; then
python3 - "$tmp/ref.sqlite" <<'PY'
import hashlib, sqlite3, sys, time, array
blob = array.array('f', (i % 1000 * 0.001 for i in range(10_000_000))).tobytes()
t = time.perf_counter(); hashlib.sha256(blob).hexdigest(); h = time.perf_counter() - t
db = sqlite3.connect(sys.argv[1]); db.execute("PRAGMA journal_mode=WAL"); db.execute("PRAGMA synchronous=NORMAL")
db.execute("CREATE TABLE c (id INTEGER PRIMARY KEY, b BLOB)")
times = []
for _ in range(3):
    t = time.perf_counter()
    with db: db.execute("INSERT INTO c (b) VALUES (?)", (blob,))
    times.append(time.perf_counter() - t)
print("reference (python sqlite3 + hashlib): SHA-256 of 40 MB %.3f s; INSERT of 40 MB blob %s s" % (h, ", ".join("%.3f" % x for x in times)))
PY
else echo "reference: python3 not found, skipped"; fi

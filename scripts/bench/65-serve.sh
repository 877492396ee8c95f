#!/usr/bin/env bash
# Translation as a pipe and as a service, on the cached `small` weights of 60-translate.sh:
#  1. Throughput: `nmt translate < file` against `cat file | nmt translate` (a pipe now gets each
#     line answered once the input pauses; a writer that sends everything at once must still
#     get full batches): sentences/s of both and their ratio, same run.
#  2. Interactive latency: one line written, its answer awaited, 50 times (p50/p99), and whether
#     the answers equal the whole-file run's.
#  3. `nmt serve` under load on loopback: one sentence per request at 1, 8 and 64 concurrent
#     clients (bounded: 400 requests or 30 s per level): requests/s, p50/p99 latency, errors,
#     and the share of answers identical to `nmt translate`.
# Needs `make build data`; the model is the one of 60-translate.sh (scripts/bench/lib/translate-model.sh). Usage: scripts/bench/65-serve.sh [threads]
set -euo pipefail
cd "$(dirname "$0")/../.."
THREADS="${1:-$(nproc)}"
source scripts/bench/lib/translate-model.sh
ensure_translate_model
BEAM=5
head -n 500 data/bible/test.es > "$WORK/serve.es"
now() { date +%s.%N; }

t0=$(now); translate --beam "$BEAM" < "$WORK/serve.es" > "$WORK/serve.file.txt"; t1=$(now)
cat "$WORK/serve.es" | translate --beam "$BEAM" > "$WORK/serve.pipe.txt"; t2=$(now)
cmp -s "$WORK/serve.file.txt" "$WORK/serve.pipe.txt" && same=yes || same=NO
python3 -c "import sys; f, p = float(sys.argv[2]) - float(sys.argv[1]), float(sys.argv[3]) - float(sys.argv[2]); \
print(f'translate 500 sentences, beam $BEAM: file {500 / f:.1f} sent/s, pipe {500 / p:.1f} sent/s, pipe/file {f / p:.2f}x; identical outputs: $same')" "$t0" "$t1" "$t2"

python3 scripts/bench/interactive_latency.py "$WORK/serve.es" 50 -- "$NMT" translate --model "$MODEL" --vocab "$VOCAB" \
    --threads "$THREADS" --beam "$BEAM" --quiet > "$WORK/interactive.json"
head -n 50 "$WORK/serve.file.txt" | cmp -s - "$WORK/serve.es.interactive.out" && isame=yes || isame=NO
python3 -c "import json; r = json.load(open('$WORK/interactive.json')); \
print(f\"interactive translate, one line at a time, beam $BEAM: p50 {r['p50_ms']:.1f} ms, p99 {r['p99_ms']:.1f} ms per line ({r['lines']} lines); answers as the file run: $isame\")"

"$NMT" serve --model "$MODEL" --vocab "$VOCAB" --threads "$THREADS" --beam "$BEAM" --port 0 --quiet > "$WORK/serve.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 100); do grep -q listening "$WORK/serve.log" && break; sleep 0.1; done
PORT=$(grep -o 'http://127.0.0.1:[0-9]*' "$WORK/serve.log" | sed 's/.*://')
for c in 1 8 64; do
    python3 scripts/bench/serve_load.py "$PORT" "$WORK/serve.es" "$WORK/serve.file.txt" "$c" 400 30
done | python3 -c "
import json, sys
for line in sys.stdin:
    r = json.loads(line)
    print(f\"serve, one sentence per request, beam $BEAM, {r['concurrency']:>2} clients: {r['requests_per_second']:6.1f} req/s, \"
          f\"p50 {r['p50_ms']:7.1f} ms, p99 {r['p99_ms']:7.1f} ms, {r['errors']} errors, \"
          f\"{100 * r['identical'] / max(r['requests'], 1):.1f}% identical to nmt translate ({r['requests']} requests)\")
"
kill -TERM $SERVER; wait $SERVER && echo "serve: exit 0 after SIGTERM" || echo "serve: exit $? after SIGTERM"
trap - EXIT

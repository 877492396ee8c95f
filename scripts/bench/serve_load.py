#!/usr/bin/env python3
"""Load generator for `nmt serve` on loopback (used by scripts/bench/65-serve.sh).

usage: serve_load.py PORT SOURCES EXPECTED CONCURRENCY MAX_REQUESTS MAX_SECONDS
Each client (a thread with one keep-alive connection) sends one sentence per POST /translate,
taking sentences round-robin from SOURCES; EXPECTED holds `nmt translate`'s output for the
same lines. Prints one JSON object: requests, seconds, requests/s, p50/p99 latency (ms),
errors, and how many answers equal `nmt translate`'s.
"""
import http.client
import json
import sys
import threading
import time

port, sources_path, expected_path = int(sys.argv[1]), sys.argv[2], sys.argv[3]
concurrency, max_requests, max_seconds = int(sys.argv[4]), int(sys.argv[5]), float(sys.argv[6])
sources = open(sources_path, encoding="utf-8").read().split("\n")[:-1]
expected = open(expected_path, encoding="utf-8").read().split("\n")[:-1]
assert len(sources) == len(expected) and sources

lock = threading.Lock()
next_index = 0
latencies, errors, identical = [], 0, 0
deadline = time.monotonic() + max_seconds


def client():
    global next_index, errors, identical
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    while True:
        with lock:
            if next_index >= max_requests or time.monotonic() > deadline:
                return
            i = next_index % len(sources)
            next_index += 1
        body = json.dumps({"text": [sources[i]]})
        t0 = time.monotonic()
        try:
            connection.request("POST", "/translate", body, {"Content-Type": "application/json"})
            response = connection.getresponse()
            data = response.read()
            ok = response.status == 200
        except Exception:
            ok, data = False, b""
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        elapsed = time.monotonic() - t0
        with lock:
            if not ok:
                errors += 1
                continue
            latencies.append(elapsed)
            if json.loads(data)["translations"][0] == expected[i]:
                identical += 1


start = time.monotonic()
threads = [threading.Thread(target=client) for _ in range(concurrency)]
for t in threads:
    t.start()
for t in threads:
    t.join()
seconds = time.monotonic() - start
latencies.sort()


def percentile(p):
    return 1000 * latencies[min(len(latencies) - 1, int(p * len(latencies)))] if latencies else float("nan")


print(json.dumps({"concurrency": concurrency, "requests": len(latencies), "seconds": seconds,
                  "requests_per_second": len(latencies) / seconds, "p50_ms": percentile(0.5), "p99_ms": percentile(0.99),
                  "errors": errors, "identical": identical}))

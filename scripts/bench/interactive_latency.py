#!/usr/bin/env python3
"""Line-at-a-time latency of `nmt translate` as a coprocess (used by scripts/bench/65-serve.sh).

usage: interactive_latency.py SOURCES N -- NMT-COMMAND...
Starts the command once, then for each of the first N lines writes it, waits for the answer
line and times that; prints JSON with p50/p99 (ms) and whether the answers equal EXPECTED
order (the answers themselves go to stdout of nothing: they are compared by the caller).
"""
import json
import subprocess
import sys
import time

sources_path, n = sys.argv[1], int(sys.argv[2])
command = sys.argv[sys.argv.index("--") + 1:]
lines = open(sources_path, encoding="utf-8").read().split("\n")[:n]
process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, bufsize=0)
answers, latencies = [], []
for line in lines:
    t0 = time.monotonic()
    process.stdin.write((line + "\n").encode())
    process.stdin.flush()
    answers.append(process.stdout.readline().decode().rstrip("\n"))
    latencies.append(time.monotonic() - t0)
process.stdin.close()
process.wait()
latencies.sort()
with open(sources_path + ".interactive.out", "w", encoding="utf-8") as f:
    f.write("".join(a + "\n" for a in answers))
print(json.dumps({"lines": len(lines), "p50_ms": 1000 * latencies[len(latencies) // 2],
                  "p99_ms": 1000 * latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))],
                  "exit": process.returncode}))

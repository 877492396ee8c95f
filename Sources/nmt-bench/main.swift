// nmt-bench: forward+backward speed of the Transformer on a ~4,096-token batch, against this
// machine's own cblas_sgemm peak measured in the same run. Used by scripts/bench/30-model.sh.
//   nmt-bench --preset small --tokens 4096 --threads 2 --steps 3 [--shape-out file.json]
//   nmt-bench --int8-products [--rows 470] [--steps N]   (Int8Products.swift)
import Foundation
import Tensor
import Transformer
import CBLAS
import Parallelism

BLASRuntime.ensureOptimizedKernel(arguments: CommandLine.arguments)

func option(_ name: String, _ fallback: String) -> String {
    let args = CommandLine.arguments
    if let i = args.firstIndex(of: name), i + 1 < args.count { return args[i + 1] }
    return fallback
}
let preset = option("--preset", "small")
let tokenBudget = Int(option("--tokens", "4096"))!
let threads = Int(option("--threads", "\(ProcessInfo.processInfo.activeProcessorCount)"))!
let steps = Int(option("--steps", "3"))!
let vocabulary = Int(option("--vocab", "8000"))!
let shapeOut = option("--shape-out", "")
let profile = CommandLine.arguments.contains("--profile")
Parallel.setThreadCap(threads)
if CommandLine.arguments.contains("--int8-products") {
    runInt8ProductBenchmark(rows: Int(option("--rows", "470"))!, repeats: steps)
    exit(0)
}

func now() -> Double { Date().timeIntervalSince1970 }

// sgemm peak, 2048³, best of 3; measured before and again after the steps, and the higher
// kept, because this machine's speed drifts (other tenants): the peak and the steps then come
// from the same stretch of time.
// The matrices (48 MB) are freed in between, so they do not count in the step's peak memory.
func measurePeak() -> Double {
    let n = 2048
    let a = UnsafeMutablePointer<Float>.allocate(capacity: n * n), b = UnsafeMutablePointer<Float>.allocate(capacity: n * n), c = UnsafeMutablePointer<Float>.allocate(capacity: n * n)
    defer { a.deallocate(); b.deallocate(); c.deallocate() }
    for i in 0..<(n * n) { a[i] = Float(i % 7) * 0.1; b[i] = Float(i % 5) * 0.1 }
    // OpenBLAS's own threads for the peak (the model splits GEMMs itself and keeps OpenBLAS at
    // one thread; the 2048³ peak is the same either way within noise).
    openblas_set_num_threads(Int32(threads))
    defer { openblas_set_num_threads(1) }
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(n), Int32(n), Int32(n), 1, a, Int32(n), b, Int32(n), 0, c, Int32(n))
    var best = Double.infinity
    for _ in 0..<3 {
        let t0 = now()
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(n), Int32(n), Int32(n), 1, a, Int32(n), b, Int32(n), 0, c, Int32(n))
        best = min(best, now() - t0)
    }
    return 2 * Double(n * n * n) / best / 1e9
}
let peakBefore = measurePeak()

// synthetic batch: sentence lengths 20...40 (mean ~30), target ≈ source length, until ~tokenBudget target tokens
var rng = SplitMix64(seed: 17)
var pairs: [(source: [Int32], target: [Int32])] = []
var targetTokens = 0
while targetTokens < tokenBudget {
    let ls = 20 + Int(rng.next() % 21), lt = max(1, ls + Int(rng.next() % 7) - 3)
    let src = (0..<ls).map { _ in Int32(3 + Int(rng.next() % UInt64(vocabulary - 3))) }
    let tgt = (0..<lt).map { _ in Int32(3 + Int(rng.next() % UInt64(vocabulary - 3))) }
    if targetTokens + lt + 1 > tokenBudget && !pairs.isEmpty { break }
    pairs.append((src, tgt))
    targetTokens += lt + 1
}
let batch = try Batch(pairs: pairs)
if !shapeOut.isEmpty {
    let json: [String: Any] = ["batch": batch.size, "source_length": batch.sourceLength, "target_length": batch.targetLength,
                               "source_lengths": pairs.map { $0.source.count }, "target_lengths": pairs.map { $0.target.count + 1 }]
    try JSONSerialization.data(withJSONObject: json).write(to: URL(fileURLWithPath: shapeOut))
}

var config = try TransformerConfig.preset(preset, vocabularySize: vocabulary)
config.maxPositions = max(config.maxPositions, batch.sourceLength, batch.targetLength)
let model = try TransformerModel(config: config, seed: 1)
model.zeroGradients()
_ = try model.forwardBackward(batch, labelSmoothing: 0.1, dropoutSeed: 1)  // warm-up: sizes the workspace
var times: [Double] = []
// The breakdown printed is that of the fastest step (other processes on a shared machine
// inflate some steps; the fastest is the least disturbed).
var bestProfile: [(name: String, seconds: Double)] = []
Profiler.isEnabled = profile
for s in 0..<steps {
    Profiler.reset()
    let t0 = now()
    model.zeroGradients()
    let zeroTime = now() - t0
    _ = try model.forwardBackward(batch, labelSmoothing: 0.1, dropoutSeed: UInt64(s + 2))
    times.append(now() - t0)
    if times.last! <= times.min()! {
        bestProfile = Profiler.report.map { (name: $0.phase.name, seconds: $0.seconds) } + [(name: "zero gradients", seconds: zeroTime)]
    }
}
Profiler.isEnabled = false
// Peak memory of the steps, read before the second peak measurement allocates its matrices.
var usage = rusage()
getrusage(RUSAGE_SELF.rawValue, &usage)
let rssMiB = Double(usage.ru_maxrss) / 1024
let peak = max(peakBefore, measurePeak())
let t = times.min()!
// FLOPs of the real tokens only (what the padding-free passes execute)
let sourceLengths = pairs.map { $0.source.count }, targetLengths = pairs.map { $0.target.count + 1 }
let flops = model.gemmFlops(sourceLengths: sourceLengths, targetLengths: targetLengths)
let paddedFlops = model.gemmFlops(sourceLengths: Array(repeating: batch.sourceLength, count: batch.size),
                                  targetLengths: Array(repeating: batch.targetLength, count: batch.size))
print(String(format: "%@: %d params, B=%d S=%d T=%d, %d source + %d target tokens (padded %d + %d)",
             preset, model.parameterCount, batch.size, batch.sourceLength, batch.targetLength, batch.sourceTokens, batch.targetTokens,
             batch.size * batch.sourceLength, batch.size * batch.targetLength))
print(String(format: "%@: forward+backward %.3f s (best of %d), %.0f target tokens/s, %.1f GFLOP/s of real-token FLOPs = %.0f%% of sgemm peak %.1f GFLOP/s (2048³, %@, %d threads); padding would add %.0f%%",
             preset, t, steps, Double(batch.targetTokens) / t, flops / t / 1e9, 100 * flops / t / 1e9 / peak, peak, BLASRuntime.coreName, threads,
             100 * (paddedFlops / flops - 1)))
print(String(format: "%@: peak resident memory %.0f MiB", preset, rssMiB))
if profile {
    let step = times.min()!
    var rows = bestProfile
    rows.append((name: "unaccounted", seconds: step - rows.reduce(0) { $0 + $1.seconds }))
    print(String(format: "%@: per-phase breakdown of the fastest step (%.3f s)", preset, step))
    for r in rows {
        let label = r.name.padding(toLength: 40, withPad: " ", startingAt: 0)
        print("  " + label + String(format: "%8.1f ms %5.1f%%", r.seconds * 1000, 100 * r.seconds / step))
    }
}

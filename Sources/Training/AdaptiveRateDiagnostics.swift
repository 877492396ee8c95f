#if canImport(Glibc)
import Glibc
#endif
import Optim
import Tensor
import Parallelism

/// The quantities the paper is about, per parameter group, measured on the real run
/// (`--log-every` updates): the adaptive learning rate ψ = √(1 − β2^t)/(√v + ε) over the
/// group's coordinates (mean, variance, coefficient of variation, 1st/50th/99th percentiles;
/// for RAdam also rt·ψ), the gradient norm, the update norm ‖Δθ‖ and ‖Δθ‖/‖θ‖; and at chosen
/// updates a histogram of |g| on fixed log-spaced bins (the paper's Fig. 2 and 3).
///
/// Percentiles come from a histogram over the top 16 bits of the Float (sign, exponent and 7
/// mantissa bits), which orders positive floats exactly: a percentile is the geometric middle
/// of its bin, within 0.4% of the exact order statistic. Everything is read-only on the
/// training state, so a resumed run records the same rows.
public struct GroupDiagnostics: Equatable, Sendable {
    public var group: String
    public var coordinates: Int
    public var psiMean: Double?
    public var psiVariance: Double?
    public var psiCV: Double?
    public var psiP01: Double?
    public var psiP50: Double?
    public var psiP99: Double?
    /// rt·ψ (RAdam, rectified updates only): mean, variance and percentiles are those of ψ
    /// scaled by rt and rt²; the coefficient of variation is the same as ψ's.
    public var rectification: Double?
    public var gradientNorm: Double
    public var updateNorm: Double
    public var parameterNorm: Double
    public var relativeUpdate: Double? { parameterNorm > 0 ? updateNorm / parameterNorm : nil }
}

public struct GradientHistogram: Equatable, Sendable {
    public var group: String
    /// counts[0]: |g| < 1e-10 (zeros included); counts[1 + k]: [10^(−10 + k/5), 10^(−10 + (k+1)/5));
    /// the last: |g| ≥ 1e2.
    public var counts: [Int]

    public static let lowerDecade = -10, upperDecade = 2, binsPerDecade = 5
    public static var binCount: Int { (upperDecade - lowerDecade) * binsPerDecade + 2 }
    /// The interior bin edges, 1e-10 … 1e2.
    public static var edges: [Double] { (0...((upperDecade - lowerDecade) * binsPerDecade)).map { pow(10, Double(lowerDecade) + Double($0) / Double(binsPerDecade)) } }

    @inline(__always)
    static func bin(_ magnitude: Float) -> Int {
        let x = Double(magnitude)
        if !(x >= 1e-10) { return 0 }
        if x >= 1e2 { return binCount - 1 }
        let k = Int(floor((log10(x) - Double(lowerDecade)) * Double(binsPerDecade)))
        return 1 + min(max(k, 0), binCount - 3)
    }
}

public struct DiagnosticsRecord: Sendable {
    public var update: Int
    public var groups: [GroupDiagnostics]
    public var histograms: [GradientHistogram]
}

public struct AdaptiveRateDiagnostics {
    public let groups: [ParameterGroup]
    public let histogramEvery: Int
    /// The paper's early updates, then every `histogramEvery`.
    public static let earlyHistogramUpdates: Set<Int> = [1, 5, 10, 25, 50, 75, 100]

    public init(groups: [ParameterGroup], histogramEvery: Int) {
        self.groups = groups
        self.histogramEvery = histogramEvery
    }

    public func wantsHistogram(update: Int) -> Bool {
        Self.earlyHistogramUpdates.contains(update) || (histogramEvery > 0 && update % histogramEvery == 0)
    }

    /// Measures one update. `before` holds the parameters before the update, `parameters`
    /// after it, `gradients` what the optimizer was given; `moment` is (β2, ε, step, v) of
    /// an Adam-type optimizer, nil for SGD.
    public func measure(update: Int, before: [Float], parameters: UnsafeBufferPointer<Float>, gradients: UnsafeBufferPointer<Float>,
                        moment: SecondMomentView?, rectification: Double?, histogram: Bool) -> DiagnosticsRecord {
        var rows = [GroupDiagnostics?](repeating: nil, count: groups.count)
        var hists = [GradientHistogram?](repeating: nil, count: groups.count)
        rows.withUnsafeMutableBufferPointer { rowsOut in
            hists.withUnsafeMutableBufferPointer { histsOut in
                before.withUnsafeBufferPointer { old in
                    Parallel.forEachChunk(groups.count) { range in
                        for gi in range {
                            let (row, hist) = measureGroup(groups[gi], old: old, new: parameters, g: gradients, moment: moment,
                                                           rectification: rectification, histogram: histogram)
                            rowsOut[gi] = row
                            histsOut[gi] = hist
                        }
                    }
                }
            }
        }
        return DiagnosticsRecord(update: update, groups: rows.map { $0! }, histograms: histogram ? hists.map { $0! } : [])
    }

    func measureGroup(_ group: ParameterGroup, old: UnsafeBufferPointer<Float>, new: UnsafeBufferPointer<Float>, g: UnsafeBufferPointer<Float>,
                      moment: SecondMomentView?, rectification: Double?, histogram: Bool) -> (GroupDiagnostics, GradientHistogram?) {
        var g2 = 0.0, d2 = 0.0, p2 = 0.0
        var counts = histogram ? [Int](repeating: 0, count: GradientHistogram.binCount) : []
        for r in group.ranges {
            for i in r {
                let gi = Double(g[i]), d = Double(new[i]) - Double(old[i]), p = Double(old[i])
                g2 += gi * gi
                d2 += d * d
                p2 += p * p
                if histogram { counts[GradientHistogram.bin(abs(g[i]))] += 1 }
            }
        }
        var row = GroupDiagnostics(group: group.name, coordinates: group.count, gradientNorm: g2.squareRoot(),
                                   updateNorm: d2.squareRoot(), parameterNorm: p2.squareRoot())
        if let m = moment {
            let bc2Sqrt = (1 - pow(m.beta2, Double(m.step))).squareRoot()
            var sum = 0.0, sumSq = 0.0
            // 128 KiB of counts, allocated explicitly on the heap (this runs on Dispatch workers).
            let bins = UnsafeMutableBufferPointer<Int32>.allocate(capacity: 1 << 15)
            bins.initialize(repeating: 0)
            defer { bins.deallocate() }
            for r in group.ranges {
                for i in r {
                    let psi = Float(bc2Sqrt / (Double(m.v[i].squareRoot()) + m.eps))
                    let x = Double(psi)
                    sum += x
                    sumSq += x * x
                    bins[Int(psi.bitPattern >> 16) & 0x7FFF] += 1
                }
            }
            let n = Double(group.count)
            let mean = sum / n
            let variance = max(0, sumSq / n - mean * mean)
            row.psiMean = mean
            row.psiVariance = variance
            row.psiCV = mean > 0 ? variance.squareRoot() / mean : nil
            row.psiP01 = Self.percentile(UnsafeBufferPointer(bins), 0.01, total: group.count)
            row.psiP50 = Self.percentile(UnsafeBufferPointer(bins), 0.50, total: group.count)
            row.psiP99 = Self.percentile(UnsafeBufferPointer(bins), 0.99, total: group.count)
            row.rectification = rectification
        }
        return (row, histogram ? GradientHistogram(group: group.name, counts: counts) : nil)
    }

    /// The q-quantile (nearest rank) from a histogram of Float bit patterns: the geometric
    /// middle of the bin that holds the ⌈q·n⌉-th smallest value.
    static func percentile(_ bins: UnsafeBufferPointer<Int32>, _ q: Double, total: Int) -> Double {
        let rank = max(1, Int((q * Double(total)).rounded(.up)))
        var seen = 0
        for (b, c) in bins.enumerated() where c > 0 {
            seen += Int(c)
            if seen >= rank {
                let lo = Double(Float(bitPattern: UInt32(b) << 16)), hi = Double(Float(bitPattern: (UInt32(b) << 16) | 0xFFFF))
                return (lo * hi).squareRoot()
            }
        }
        return .nan
    }
}

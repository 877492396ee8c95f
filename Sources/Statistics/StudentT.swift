#if canImport(Glibc)
import Glibc
#endif

/// Student's t distribution with `df` degrees of freedom: the distribution of a mean's error
/// over its standard error when the sample is small, which is what a study has (a few seeds
/// per arm). CDF and tails through the regularized incomplete beta function,
/// P(T > |t|) = ½·I_x(df/2, ½) with x = df/(df + t²) (Abramowitz & Stegun 26.7.1), evaluated
/// by Lentz's continued fraction; the quantile by bisection refined on the tail.
/// Checked against scipy.stats.t (Tests/Fixtures/stats, scripts/reference/make_study_stats_fixtures.py).
public struct StudentT: Sendable {
    public let df: Double

    public init(df: Double) {
        precondition(df > 0, "a t distribution needs positive degrees of freedom")
        self.df = df
    }

    /// P(T > t), computed from its own tail (never as 1 − cdf, which loses small p-values).
    public func survival(_ t: Double) -> Double {
        if t.isNaN { return .nan }
        let tail = upperTail(abs(t))
        return t >= 0 ? tail : 1 - tail
    }

    /// P(T ≤ t).
    public func cdf(_ t: Double) -> Double {
        if t.isNaN { return .nan }
        let tail = upperTail(abs(t))
        return t >= 0 ? 1 - tail : tail
    }

    /// P(T > |t|) for t ≥ 0.
    private func upperTail(_ t: Double) -> Double {
        if t == 0 { return 0.5 }
        if t.isInfinite { return 0 }
        let x = df / (df + t * t)
        return 0.5 * Self.regularizedIncompleteBeta(a: df / 2, b: 0.5, x: x)
    }

    /// The t with P(T ≤ t) = p.
    public func quantile(_ p: Double) -> Double {
        precondition(p > 0 && p < 1, "a quantile needs p in (0, 1)")
        if p == 0.5 { return 0 }
        // Solve on the upper tail q = P(T > t) for t > 0, then mirror.
        let q = p > 0.5 ? 1 - p : p
        var low = 0.0, high = 1.0
        while upperTail(high) > q { low = high; high *= 2 }
        for _ in 0..<200 {
            let mid = 0.5 * (low + high)
            if upperTail(mid) > q { low = mid } else { high = mid }
            if high - low <= 1e-15 * max(1, high) { break }
        }
        let t = 0.5 * (low + high)
        return p > 0.5 ? t : -t
    }

    /// I_x(a, b), the regularized incomplete beta function (Numerical Recipes' betai/betacf:
    /// the continued fraction converges fast for x < (a + 1)/(a + b + 2); otherwise the
    /// symmetry I_x(a, b) = 1 − I_{1−x}(b, a)).
    static func regularizedIncompleteBeta(a: Double, b: Double, x: Double) -> Double {
        if x <= 0 { return 0 }
        if x >= 1 { return 1 }
        let logFront = lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log1p(-x)
        if x < (a + 1) / (a + b + 2) {
            return exp(logFront) * continuedFraction(a: a, b: b, x: x) / a
        }
        return 1 - exp(logFront) * continuedFraction(a: b, b: a, x: 1 - x) / b
    }

    /// Lentz's evaluation of the incomplete beta continued fraction.
    static func continuedFraction(a: Double, b: Double, x: Double) -> Double {
        let tiny = 1e-300
        let qab = a + b, qap = a + 1, qam = a - 1
        var c = 1.0
        var d = 1 - qab * x / qap
        if abs(d) < tiny { d = tiny }
        d = 1 / d
        var h = d
        for m in 1...10_000 {
            let m = Double(m), m2 = 2 * m
            var aa = m * (b - m) * x / ((qam + m2) * (a + m2))
            d = 1 + aa * d; if abs(d) < tiny { d = tiny }
            c = 1 + aa / c; if abs(c) < tiny { c = tiny }
            d = 1 / d
            h *= d * c
            aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
            d = 1 + aa * d; if abs(d) < tiny { d = tiny }
            c = 1 + aa / c; if abs(c) < tiny { c = tiny }
            d = 1 / d
            let delta = d * c
            h *= delta
            if abs(delta - 1) < 1e-16 { break }
        }
        return h
    }
}

// Token embedding lookup (scaled) plus sinusoidal positions, and its scatter-add gradient.
//
// Shapes: ids [N] (the packed tokens of a batch, see Transformer.SequencePacking), their
// position-table rows [N], table [V, C], positions [P, C], out [N, C]. The caller numbers
// positions as fairseq's make_positions does (pad index + 1 + the token's index among its
// sentence's non-pad tokens). A pad id gives a zero vector and receives no gradient
// (nn.Embedding's padding_idx semantics).
public enum EmbeddingKernels {
    public static func forward(
        out: UnsafeMutablePointer<Float>, ids: UnsafePointer<Int32>, positionRows: UnsafePointer<Int32>, count n: Int,
        table: UnsafePointer<Float>, scale: Float, positions: UnsafePointer<Float>, columns c: Int, padIndex: Int32
    ) {
        Parallel.forEachChunk(n, minChunk: max(1, 8192 / c)) { range in
            for i in range {
                let id = ids[i]
                let o = out + i * c
                if id == padIndex {
                    o.update(repeating: 0, count: c)
                    continue
                }
                let e = table + Int(id) * c
                let pos = positions + Int(positionRows[i]) * c
                for j in 0..<c { o[j] = scale * e[j] + pos[j] }
            }
        }
    }

    /// dtable[id] += scale·dout[n] for every non-pad token. Columns are split across workers,
    /// so repeated ids never race.
    public static func backward(
        dtable: UnsafeMutablePointer<Float>, dout: UnsafePointer<Float>, ids: UnsafePointer<Int32>, count n: Int,
        scale: Float, columns c: Int, padIndex: Int32
    ) {
        Parallel.forEachChunk(c, minChunk: 16) { cols in
            for i in 0..<n {
                let id = ids[i]
                if id == padIndex { continue }
                let d = dtable + Int(id) * c
                let g = dout + i * c
                for j in cols { d[j] += scale * g[j] }
            }
        }
    }

    /// fairseq's SinusoidalPositionalEmbedding.get_embedding: rows [count, C]; row p holds
    /// sin(p·f_k) in columns 0..<C/2 and cos(p·f_k) in C/2..<C, f_k = exp(-k·ln(10000)/(C/2-1));
    /// row `padIndex` is zero. C must be even and ≥ 4. Computed in Float64 and rounded once
    /// (fairseq computes in float32; the two differ by float32 rounding only).
    public static func sinusoidalTable(count: Int, columns c: Int, padIndex: Int) -> [Float] {
        let half = c / 2
        let step = log(10000.0) / Double(half - 1)
        var table = [Float](repeating: 0, count: count * c)
        for p in 0..<count where p != padIndex {
            for k in 0..<half {
                let angle = Double(p) * exp(-Double(k) * step)
                table[p * c + k] = Float(sin(angle))
                table[p * c + half + k] = Float(cos(angle))
            }
        }
        return table
    }
}
#if canImport(Glibc)
import Glibc
#endif
import Parallelism

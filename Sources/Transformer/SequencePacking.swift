// The real tokens of a right-padded [B, L] id matrix, packed sentence after sentence: the
// training passes run every position-wise operation (embeddings, projections, FFN, layer
// norms, dropout, residuals, the output layer) on these rows only, and attention per
// sentence on its real length (Attention.swift), so no FLOP is spent on padding.
//
// Dropout masks hash an element's index in the *padded* layout (`paddedRow`), so a packed
// pass drops exactly the elements the padded pass did and a run's trajectory does not
// depend on how its batches were padded.
import Tensor

final class SequencePacking {
    /// Sentences (B) and the padded length (L) the ids came in.
    let sentences: Int
    let paddedLength: Int
    /// Sentence b owns packed rows offsets[b] ..< offsets[b + 1].
    let offsets: [Int]
    /// The packed ids.
    let ids: [Int32]
    /// For packed row k: its row in the sinusoidal table (pad index + 1 + position, as
    /// fairseq's make_positions numbers non-pad tokens).
    let positionRow: [Int32]
    /// For packed row k: b·L + position, its row in the padded layout (owned here, so the
    /// kernels can hold the pointer for the whole step).
    let paddedRow: UnsafeMutableBufferPointer<Int32>

    var tokens: Int { ids.count }
    func length(_ b: Int) -> Int { offsets[b + 1] - offsets[b] }
    var maxLength: Int { (0..<sentences).map(length).max() ?? 0 }
    /// Attention scores of these queries over `keys` (the same sentences): Σ_b H·Tq(b)·Tk(b).
    func scoreCount(heads: Int, keys: SequencePacking) -> Int {
        (0..<sentences).reduce(0) { $0 + heads * length($1) * keys.length($1) }
    }

    /// Throws unless every row of `ids` [rows, length] has its tokens before its padding (the
    /// packing keeps a row's tokens up to its first pad).
    static func checkRightPadded(_ ids: [Int32], rows: Int, length: Int, name: String) throws {
        for r in 0..<rows {
            let row = ids[(r * length)..<((r + 1) * length)]
            if let pad = row.firstIndex(of: TransformerConfig.padId), let late = row[pad...].firstIndex(where: { $0 != TransformerConfig.padId }) {
                throw TransformerError.invalidBatch("\(name) row \(r) has a token at position \(late - r * length) after padding (rows must be right-padded)")
            }
        }
    }

    /// The dropout-mask addressing of a packed tensor with `columns` per row.
    func maskRows(columns: Int) -> PaddedRows { PaddedRows(index: UnsafePointer(paddedRow.baseAddress!), columns: columns) }

    /// Packs `ids` [sentences, length] (right-padded: `Batch.validate` has checked that no
    /// real token follows a pad in a row).
    init(ids padded: [Int32], sentences b: Int, length l: Int) {
        sentences = b
        paddedLength = l
        var offsets = [0], ids: [Int32] = [], rows: [Int32] = [], positions: [Int32] = []
        ids.reserveCapacity(padded.count); rows.reserveCapacity(padded.count); positions.reserveCapacity(padded.count)
        for s in 0..<b {
            for p in 0..<l {
                let id = padded[s * l + p]
                if id == TransformerConfig.padId { break }
                ids.append(id)
                rows.append(Int32(s * l + p))
                positions.append(Int32(Int(TransformerConfig.padId) + 1 + p))
            }
            offsets.append(ids.count)
        }
        self.offsets = offsets
        self.ids = ids
        self.positionRow = positions
        paddedRow = .allocate(capacity: max(1, rows.count))
        _ = paddedRow.initialize(from: rows)
    }

    deinit { paddedRow.deallocate() }

    /// `values` [tokens, columns] written into the rows of a zeroed [B·L, columns] matrix.
    func scatter(_ values: UnsafePointer<Float>, columns c: Int, into out: UnsafeMutablePointer<Float>) {
        out.update(repeating: 0, count: sentences * paddedLength * c)
        for k in 0..<tokens { (out + Int(paddedRow[k]) * c).update(from: values + k * c, count: c) }
    }
}

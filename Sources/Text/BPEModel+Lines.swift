import Parallelism

extension BPEModel {
    /// Many lines encoded in parallel chunks (the encoder is thread-safe), in order, with the
    /// number of characters the vocabulary does not know (encoded as <unk>). Used for
    /// training corpora, translation input and forced scoring alike.
    public func encode(lines: [String]) -> (ids: [[Int32]], unknownCharacters: Int) {
        var out = [[Int32]](repeating: [], count: lines.count)
        let chunks = max(1, min(64, lines.count / 256))
        var unknown = [Int](repeating: 0, count: chunks)
        out.withUnsafeMutableBufferPointer { o in
            unknown.withUnsafeMutableBufferPointer { u in
                nonisolated(unsafe) let o = o, u = u
                Parallel.forEachIteration(chunks) { c in
                    var count = 0
                    for i in (lines.count * c / chunks)..<(lines.count * (c + 1) / chunks) {
                        o[i] = encode(lines[i], unknownCount: &count)
                    }
                    u[c] = count
                }
            }
        }
        return (out, unknown.reduce(0, +))
    }
}

// The per-line work of `nmt bpe encode` and `nmt bpe decode`, for ParallelLineProcessor.

/// Encodes a line into pieces (or ids) separated by single spaces, plus "\n".
public final class EncodeLineTransform: LineTransform {
    public let encoder: BPEEncoder
    let model: BPEModel
    let writeIds: Bool
    private var ids: [Int32] = []

    public init(model: BPEModel, writeIds: Bool) {
        encoder = BPEEncoder(model: model)
        self.model = model
        self.writeIds = writeIds
    }

    public func transform(_ line: UnsafeBufferPointer<UInt8>, into output: inout [UInt8]) -> String? {
        ids.removeAll(keepingCapacity: true)
        guard encoder.encodeLine(line, into: &ids) else { return "not valid UTF-8" }
        for (k, id) in ids.enumerated() {
            if k > 0 { output.append(0x20) }
            if writeIds {
                appendDecimal(id, to: &output)
            } else {
                output.append(contentsOf: model.pieceBytes[Int(id)])
            }
        }
        output.append(10)
        return nil
    }
}

/// Decodes a line of pieces (or ids) separated by spaces back into text, plus "\n".
public final class DecodeLineTransform: LineTransform {
    let model: BPEModel
    let readIds: Bool
    private var ids: [Int32] = []

    public init(model: BPEModel, readIds: Bool) {
        self.model = model
        self.readIds = readIds
    }

    public func transform(_ line: UnsafeBufferPointer<UInt8>, into output: inout [UInt8]) -> String? {
        ids.removeAll(keepingCapacity: true)
        var start = 0
        // Fields are separated by spaces; a trailing "\r" or tab is tolerated as a separator.
        for i in 0...line.count where i == line.count || line[i] == 0x20 || line[i] == 0x09 || line[i] == 0x0D {
            if i > start {
                let field = UnsafeBufferPointer(rebasing: line[start..<i])
                if readIds {
                    guard let id = parseDecimal(field), model.isValid(id) else {
                        return "'\(String(decoding: field, as: UTF8.self))' is not an id of this model (0..<\(model.vocabSize))"
                    }
                    ids.append(id)
                } else {
                    guard let id = model.id(ofPieceBytes: Array(field)) else {
                        return "unknown piece '\(String(decoding: field, as: UTF8.self))'"
                    }
                    ids.append(id)
                }
            }
            start = i + 1
        }
        model.appendDecoded(ids, to: &output)
        output.append(10)
        return nil
    }
}

@inline(__always)
func appendDecimal(_ value: Int32, to output: inout [UInt8]) {
    var v = UInt32(bitPattern: value)
    if value < 0 { output.append(0x2D); v = UInt32(-Int64(value)) }
    var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
    var n = 0
    withUnsafeMutableBytes(of: &digits) { d in
        repeat {
            d[n] = UInt8(48 + v % 10)
            v /= 10
            n += 1
        } while v > 0
        while n > 0 { n -= 1; output.append(d[n]) }
    }
}

func parseDecimal(_ field: UnsafeBufferPointer<UInt8>) -> Int32? {
    guard !field.isEmpty, field.count <= 10 else { return nil }
    var value: Int64 = 0
    for b in field {
        guard b >= 48 && b <= 57 else { return nil }
        value = value * 10 + Int64(b - 48)
    }
    return value <= Int64(Int32.max) ? Int32(value) : nil
}

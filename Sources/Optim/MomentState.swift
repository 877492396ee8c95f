// Step counter and moment buffers of an optimizer, and their byte layout in checkpoints:
// magic "NMTO", version, kind, step, parameter count, moment count, then the moments as
// little-endian Float32. Symmetric save/load in one place (marian's training_state habit).

public struct MomentState {
    public var kind: OptimizerKind
    public var step: Int
    public var parameterCount: Int
    public var momentCount: Int
    /// All moments back to back (moment k of parameter i at k·parameterCount + i): one buffer
    /// so an update loop takes one exclusive access to it.
    public var moments: [Float]

    public func moment(_ k: Int) -> [Float] { Array(moments[(k * parameterCount)..<((k + 1) * parameterCount)]) }

    static let magic: [UInt8] = Array("NMTO".utf8)
    static let version: UInt32 = 1

    init(kind: OptimizerKind, parameterCount: Int, momentCount: Int) {
        self.kind = kind
        self.step = 0
        self.parameterCount = parameterCount
        self.momentCount = momentCount
        self.moments = [Float](repeating: 0, count: parameterCount * momentCount)
    }

    func encode() -> [UInt8] {
        var out = MomentState.magic
        func put<T: FixedWidthInteger>(_ v: T) { withUnsafeBytes(of: v.littleEndian) { out += $0 } }
        put(MomentState.version)
        put(UInt32(OptimizerKind.allCases.firstIndex(of: kind)!))
        put(UInt64(step))
        put(UInt64(parameterCount))
        put(UInt32(momentCount))
        moments.withUnsafeBytes { out += $0 }  // x86-64 and arm64 are little-endian
        return out
    }

    static func decode(_ bytes: [UInt8], expectedKind: OptimizerKind, parameterCount: Int) throws -> MomentState {
        var offset = 0
        func take<T: FixedWidthInteger>(_: T.Type) throws -> T {
            guard offset + MemoryLayout<T>.size <= bytes.count else { throw OptimError.badState("truncated (\(bytes.count) bytes)") }
            var v: T = 0
            withUnsafeMutableBytes(of: &v) { $0.copyBytes(from: bytes[offset..<(offset + MemoryLayout<T>.size)]) }
            offset += MemoryLayout<T>.size
            return T(littleEndian: v)
        }
        guard bytes.count >= 4, Array(bytes[0..<4]) == magic else { throw OptimError.badState("not an nmt optimizer state") }
        offset = 4
        let version = try take(UInt32.self)
        guard version == MomentState.version else { throw OptimError.badState("unsupported version \(version)") }
        let kindIndex = Int(try take(UInt32.self))
        guard kindIndex < OptimizerKind.allCases.count else { throw OptimError.badState("unknown optimizer kind \(kindIndex)") }
        let kind = OptimizerKind.allCases[kindIndex]
        guard kind == expectedKind else { throw OptimError.badState("saved by \(kind.rawValue), but the run uses \(expectedKind.rawValue)") }
        let step = Int(try take(UInt64.self))
        let count = Int(try take(UInt64.self))
        guard count == parameterCount else { throw OptimError.badState("holds \(count) parameters, the model has \(parameterCount)") }
        let momentCount = Int(try take(UInt32.self))
        guard bytes.count == offset + momentCount * count * 4 else { throw OptimError.badState("size \(bytes.count) does not match \(momentCount) moments of \(count)") }
        var state = MomentState(kind: kind, parameterCount: count, momentCount: momentCount)
        state.step = step
        bytes.withUnsafeBytes { raw in
            state.moments.withUnsafeMutableBytes { $0.copyMemory(from: UnsafeRawBufferPointer(rebasing: raw[offset...])) }
        }
        return state
    }
}

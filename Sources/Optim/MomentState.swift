// Step counter and moment buffers of an optimizer, and their byte layout in checkpoints:
// magic "NMTO", version, kind, step, parameter count, moment count, then the moments as
// little-endian Float32. Symmetric save/load in one place (marian's training_state habit).
//
// Version 2 stores the kind by name (UInt32 byte count, UTF-8), so adding or reordering
// optimizers never changes what an old checkpoint means. Version 1 (nmt 0.1.0 up to the
// commit that introduced version 2) stored an index into the kinds as they were then.

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
    static let version: UInt32 = 2
    /// What a version-1 kind index meant; frozen.
    static let version1Kinds: [OptimizerKind] = [.adam, .radam, .sgd]

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
        let name = Array(kind.rawValue.utf8)
        put(UInt32(name.count))
        out += name
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
        let kind: OptimizerKind
        switch version {
        case 1:
            let index = Int(try take(UInt32.self))
            guard index < version1Kinds.count else { throw OptimError.badState("unknown optimizer kind \(index)") }
            kind = version1Kinds[index]
        case 2:
            let length = Int(try take(UInt32.self))
            guard length <= 64, offset + length <= bytes.count else { throw OptimError.badState("truncated (\(bytes.count) bytes)") }
            let name = String(decoding: bytes[offset..<(offset + length)], as: UTF8.self)
            offset += length
            guard let named = OptimizerKind(rawValue: name) else { throw OptimError.badState("unknown optimizer kind '\(name)'") }
            kind = named
        default:
            throw OptimError.badState("unsupported version \(version) (this nmt reads 1 and 2)")
        }
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

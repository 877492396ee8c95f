import Foundation

/// TensorBoard's event file format, written by hand so no TensorFlow is needed: a TFRecord
/// file (each record: little-endian UInt64 length, masked CRC32C of those 8 bytes, the bytes,
/// masked CRC32C of the bytes) of serialized `tensorflow.Event` protobuf messages. The first
/// event carries only `file_version`; each later one a step and a one-value `Summary` with
/// `simple_value`, which TensorBoard's scalar dashboard reads.
public enum TensorBoardEvents {
    public struct Scalar: Equatable, Sendable {
        public var tag: String
        public var step: Int
        public var value: Float
        /// Seconds since 1970.
        public var wallTime: Double

        public init(tag: String, step: Int, value: Float, wallTime: Double) {
            self.tag = tag; self.step = step; self.value = value; self.wallTime = wallTime
        }
    }

    /// The name TensorBoard looks for in a log directory.
    public static func fileName(createdAt: Double, host: String) -> String {
        "events.out.tfevents.\(Int(createdAt)).\(host)"
    }

    /// The whole file: the version event at `createdAt`, then the scalars.
    public static func file(_ scalars: [Scalar], createdAt: Double) -> [UInt8] {
        var out: [UInt8] = []
        var version = Protobuf()
        version.double(field: 1, createdAt)
        version.bytes(field: 3, Array("brain.Event:2".utf8))
        appendRecord(version.bytes, to: &out)
        for s in scalars { appendRecord(event(s), to: &out) }
        return out
    }

    /// Event { wall_time = 1; step = 2; summary = 5 { value = 1 { tag = 1; simple_value = 2 } } }.
    /// As protobuf (proto3) does, plain fields holding zero are left out but `simple_value`, a
    /// member of a oneof, is always written; so the bytes equal those of TensorBoard's own
    /// writer (scripts/reference/make_tensorboard_fixtures.py).
    static func event(_ s: Scalar) -> [UInt8] {
        var value = Protobuf()
        value.bytes(field: 1, Array(s.tag.utf8))
        value.float(field: 2, s.value)
        var summary = Protobuf()
        summary.bytes(field: 1, value.bytes)
        var event = Protobuf()
        if s.wallTime.bitPattern != 0 { event.double(field: 1, s.wallTime) }
        if s.step != 0 { event.varint(field: 2, UInt64(bitPattern: Int64(s.step))) }
        event.bytes(field: 5, summary.bytes)
        return event.bytes
    }

    static func appendRecord(_ data: [UInt8], to out: inout [UInt8]) {
        let length = withUnsafeBytes(of: UInt64(data.count).littleEndian, Array.init)
        out += length
        out += withUnsafeBytes(of: CRC32C.masked(length).littleEndian, Array.init)
        out += data
        out += withUnsafeBytes(of: CRC32C.masked(data).littleEndian, Array.init)
    }

    /// The few protobuf encodings an Event needs (wire types 0, 1, 2 and 5).
    struct Protobuf {
        var bytes: [UInt8] = []

        mutating func rawVarint(_ value: UInt64) {
            var v = value
            while v >= 0x80 { bytes.append(UInt8(v & 0x7F) | 0x80); v >>= 7 }
            bytes.append(UInt8(v))
        }
        mutating func key(_ field: Int, _ wireType: UInt64) { rawVarint(UInt64(field) << 3 | wireType) }
        mutating func varint(field: Int, _ value: UInt64) { key(field, 0); rawVarint(value) }
        mutating func double(field: Int, _ value: Double) {
            key(field, 1)
            bytes += withUnsafeBytes(of: value.bitPattern.littleEndian, Array.init)
        }
        mutating func bytes(field: Int, _ value: [UInt8]) { key(field, 2); rawVarint(UInt64(value.count)); bytes += value }
        mutating func float(field: Int, _ value: Float) {
            key(field, 5)
            bytes += withUnsafeBytes(of: value.bitPattern.littleEndian, Array.init)
        }
    }
}

/// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), the checksum of TFRecord files;
/// table-driven, as event files are small.
enum CRC32C {
    static let table: [UInt32] = (0..<256).map { i -> UInt32 in
        var c = UInt32(i)
        for _ in 0..<8 { c = c & 1 != 0 ? (c >> 1) ^ 0x82F6_3B78 : c >> 1 }
        return c
    }

    static func checksum(_ data: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in data { crc = table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
        return crc ^ 0xFFFF_FFFF
    }

    /// TFRecord's masking, so a CRC stored inside CRC'd data does not look like one.
    static func masked(_ data: [UInt8]) -> UInt32 {
        let crc = checksum(data)
        return ((crc >> 15) | (crc << 17)) &+ 0xA282_EAD8
    }
}

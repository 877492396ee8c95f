// Reading and writing the safetensors format (Hugging Face):
//   8-byte little-endian header length N, N bytes of JSON
//   {"name": {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}, ..., "__metadata__": {string: string}}
//   then the data block; offsets are relative to the start of the data block.
// Only F32 tensors are read as floats (other dtypes are listed but rejected by `floats`).
import Foundation

public struct SafeTensorsEntry: Equatable, Sendable {
    public var dtype: String
    public var shape: [Int]
    public var begin: Int
    public var end: Int
}

/// What is wrong with a safetensors file, naming it.
public struct SafeTensorsError: Error, CustomStringConvertible, Equatable {
    public var file: String
    public var message: String
    public init(file: String, message: String) { self.file = file; self.message = message }
    public var description: String { "\(file): \(message)" }
}

public struct SafeTensorsFile {
    public let path: String
    public let entries: [String: SafeTensorsEntry]
    public let metadata: [String: String]
    let data: Data
    let dataStart: Int

    func fail(_ m: String) -> SafeTensorsError { SafeTensorsError(file: path, message: m) }

    public init(contentsOf url: URL) throws {
        let fileData: Data
        do { fileData = try Data(contentsOf: url) } catch {
            throw SafeTensorsError(file: url.path, message: "cannot read file (\(error.localizedDescription))")
        }
        try self.init(data: fileData, path: url.path)
    }

    public init(data fileData: Data, path: String) throws {
        self.path = path
        func fail(_ m: String) -> SafeTensorsError { SafeTensorsError(file: path, message: m) }
        guard fileData.count >= 8 else { throw fail("truncated: \(fileData.count) bytes, no 8-byte header length") }
        var headerLength: UInt64 = 0
        for i in 0..<8 { headerLength |= UInt64(fileData[fileData.startIndex + i]) << (8 * UInt64(i)) }
        guard headerLength <= UInt64(fileData.count - 8) else {
            throw fail("truncated: header length \(headerLength) exceeds the \(fileData.count - 8) bytes after it")
        }
        let headerBytes = fileData.subdata(in: (fileData.startIndex + 8)..<(fileData.startIndex + 8 + Int(headerLength)))
        guard let json = try? JSONSerialization.jsonObject(with: headerBytes), let header = json as? [String: Any] else {
            throw fail("header is not a JSON object")
        }
        var entries: [String: SafeTensorsEntry] = [:]
        var metadata: [String: String] = [:]
        let dataLength = fileData.count - 8 - Int(headerLength)
        for (name, value) in header {
            if name == "__metadata__" {
                guard let m = value as? [String: Any] else { throw fail("__metadata__ is not an object") }
                for (k, v) in m {
                    guard let s = v as? String else { throw fail("__metadata__[\(k)] is not a string") }
                    metadata[k] = s
                }
                continue
            }
            guard let t = value as? [String: Any], let dtype = t["dtype"] as? String,
                  let shapeAny = t["shape"] as? [Any], let offsAny = t["data_offsets"] as? [Any], offsAny.count == 2 else {
                throw fail("tensor '\(name)': entry needs dtype, shape and data_offsets [begin, end]")
            }
            let shape = shapeAny.compactMap { ($0 as? NSNumber)?.intValue }
            let offs = offsAny.compactMap { ($0 as? NSNumber)?.intValue }
            guard shape.count == shapeAny.count, offs.count == 2, shape.allSatisfy({ $0 >= 0 }), offs.allSatisfy({ $0 >= 0 }) else {
                throw fail("tensor '\(name)': shape and data_offsets must be non-negative integers")
            }
            guard offs[0] <= offs[1] else { throw fail("tensor '\(name)': data_offsets [\(offs[0]), \(offs[1])] are reversed") }
            guard offs[1] <= dataLength else {
                throw fail("truncated: tensor '\(name)' ends at byte \(offs[1]) of the data block, which has only \(dataLength) bytes")
            }
            // The element count, checked for overflow: a hostile shape must not wrap around.
            var elements = 1
            for d in shape {
                let (product, overflow) = elements.multipliedReportingOverflow(by: d)
                guard !overflow, product <= dataLength else { throw fail("tensor '\(name)': shape \(shape) holds more values than the file has bytes") }
                elements = product
            }
            entries[name] = SafeTensorsEntry(dtype: dtype, shape: shape, begin: offs[0], end: offs[1])
        }
        // Tensors may not share bytes (the format's rule; overlapping ones would alias weights).
        let spans = entries.sorted { ($0.value.begin, $0.value.end, $0.key) < ($1.value.begin, $1.value.end, $1.key) }
        for (a, b) in zip(spans, spans.dropFirst()) where b.value.begin < a.value.end {
            throw fail("tensors '\(a.key)' and '\(b.key)' overlap in the data block (bytes \(b.value.begin)..<\(a.value.end))")
        }
        self.entries = entries
        self.metadata = metadata
        self.data = fileData
        self.dataStart = fileData.startIndex + 8 + Int(headerLength)
    }

    /// The values of an F32 tensor, checked against `expectedShape` when given.
    public func floats(_ name: String, expectedShape: [Int]? = nil) throws -> [Float] {
        guard let e = entries[name] else { throw fail("missing tensor '\(name)'") }
        guard e.dtype == "F32" else { throw fail("tensor '\(name)' has dtype \(e.dtype), expected F32") }
        if let expectedShape, expectedShape != e.shape {
            throw fail("tensor '\(name)' has shape \(e.shape), expected \(expectedShape)")
        }
        let n = e.shape.reduce(1, *)
        guard e.end - e.begin == 4 * n else {
            throw fail("tensor '\(name)': data_offsets span \(e.end - e.begin) bytes, shape \(e.shape) needs \(4 * n)")
        }
        var out = [Float](repeating: 0, count: n)
        out.withUnsafeMutableBytes { dst in
            data.withUnsafeBytes { src in
                dst.copyMemory(from: UnsafeRawBufferPointer(rebasing: src[(dataStart - data.startIndex + e.begin)..<(dataStart - data.startIndex + e.end)]))
            }
        }
        #if _endian(big)
        out = out.map { Float(bitPattern: UInt32(littleEndian: $0.bitPattern)) }
        #endif
        // A NaN or infinite weight makes every translation empty, silently: refused here.
        if let bad = out.firstIndex(where: { !$0.isFinite }) {
            throw fail("tensor '\(name)' has a non-finite value (\(out[bad])) at index \(bad)")
        }
        return out
    }

    /// Writes F32 tensors (in the given order) and string metadata.
    public static func write(to url: URL, tensors: [(name: String, shape: [Int], values: UnsafeBufferPointer<Float>)], metadata: [String: String] = [:]) throws {
        var header = "{"
        var offset = 0
        var first = true
        func quote(_ s: String) -> String {
            let data = try! JSONSerialization.data(withJSONObject: [s], options: [])
            let text = String(decoding: data, as: UTF8.self)
            return String(text.dropFirst().dropLast())
        }
        if !metadata.isEmpty {
            header += "\"__metadata__\":{" + metadata.keys.sorted().map { "\(quote($0)):\(quote(metadata[$0]!))" }.joined(separator: ",") + "}"
            first = false
        }
        for t in tensors {
            precondition(t.values.count == t.shape.reduce(1, *), "safetensors write: '\(t.name)' has \(t.values.count) values for shape \(t.shape)")
            let bytes = 4 * t.values.count
            header += (first ? "" : ",") + "\(quote(t.name)):{\"dtype\":\"F32\",\"shape\":[\(t.shape.map(String.init).joined(separator: ","))],\"data_offsets\":[\(offset),\(offset + bytes)]}"
            first = false
            offset += bytes
        }
        header += "}"
        var headerBytes = Array(header.utf8)
        while (headerBytes.count + 8) % 8 != 0 { headerBytes.append(0x20) }  // pad with spaces to 8-byte alignment
        var out = Data(capacity: 8 + headerBytes.count + offset)
        var n = UInt64(headerBytes.count).littleEndian
        withUnsafeBytes(of: &n) { out.append(contentsOf: $0) }
        out.append(contentsOf: headerBytes)
        for t in tensors { out.append(UnsafeBufferPointer(start: t.values.baseAddress, count: t.values.count)) }
        do { try out.write(to: url, options: .atomic) } catch {
            throw SafeTensorsError(file: url.path, message: "cannot write file (\(error.localizedDescription))")
        }
    }
}

import Foundation
import Testing
import TestSupport
@testable import Transformer

@Suite struct SafeTensorsTests {
    func temporary(_ name: String) -> URL {
        (try? TemporaryDirectory.untilExit("safetensors"))!.appendingPathComponent(name)
    }

    @Test func saveAndLoadRoundTrip() throws {
        let model = try TransformerModel(config: tinyConfig(normalizeBefore: true), seed: 21)
        let url = temporary("roundtrip.safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try model.save(to: url)
        let loaded = try TransformerModel.load(from: url)
        #expect(loaded.config == model.config)
        #expect(Array(loaded.parameters) == Array(model.parameters))
        let bytes = try Data(contentsOf: url)
        var headerLength = 0
        for i in 0..<8 { headerLength |= Int(bytes[i]) << (8 * i) }
        #expect((8 + headerLength) % 8 == 0)
        #expect(bytes.count == 8 + headerLength + 4 * model.parameterCount)
    }

    func expectError(_ data: Data, contains text: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let url = temporary("bad-\(text.hashValue).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try data.write(to: url)
        let model = try TransformerModel(config: tinyConfig(), seed: 1)
        do {
            try model.loadParameters(from: url)
            Issue.record("no error for \(text)", sourceLocation: sourceLocation)
        } catch let e as TransformerError {
            #expect(e.description.contains(text), "\(e)", sourceLocation: sourceLocation)
        }
    }

    func file(_ header: String, dataBytes: Int) -> Data {
        var d = Data()
        var n = UInt64(header.utf8.count).littleEndian
        withUnsafeBytes(of: &n) { d.append(contentsOf: $0) }
        d.append(contentsOf: Array(header.utf8))
        d.append(Data(count: dataBytes))
        return d
    }

    @Test func errorsNameTheTensor() throws {
        let model = try TransformerModel(config: tinyConfig(), seed: 1)
        let url = temporary("good.safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try model.save(to: url)
        let good = try Data(contentsOf: url)
        try expectError(good.prefix(good.count - 10), contains: "truncated")
        try expectError(good.prefix(5), contains: "truncated")
        try expectError(file("{\"encoder.embed_tokens.weight\":{\"dtype\":\"F32\",\"shape\":[23,8],\"data_offsets\":[0,736]}}", dataBytes: 736),
                        contains: "missing tensor 'encoder.layers.0.self_attn.q_proj.weight'")
        try expectError(file("{\"encoder.embed_tokens.weight\":{\"dtype\":\"F16\",\"shape\":[23,8],\"data_offsets\":[0,368]}}", dataBytes: 368),
                        contains: "'encoder.embed_tokens.weight' has dtype F16")
        try expectError(file("{\"encoder.embed_tokens.weight\":{\"dtype\":\"F32\",\"shape\":[8,23],\"data_offsets\":[0,736]}}", dataBytes: 736),
                        contains: "'encoder.embed_tokens.weight' has shape [8, 23], expected [23, 8]")
        try expectError(file("{\"bogus\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", dataBytes: 4), contains: "unexpected tensor 'bogus'")
        try expectError(file("not json", dataBytes: 0), contains: "not a JSON object")
    }

    /// Crafted files that once read outside the file, wrapped a size around, aliased weights or
    /// loaded NaNs: each is one error naming the problem, before any copy.
    @Test func hostileFilesAreRefused() throws {
        let model = try TransformerModel(config: tinyConfig(), seed: 1)
        let url = temporary("good.safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try model.save(to: url)
        let good = try SafeTensorsFile(contentsOf: url)
        let name = "encoder.embed_tokens.weight"
        // Negative offsets: memory before the data block.
        try expectError(file("{\"\(name)\":{\"dtype\":\"F32\",\"shape\":[23,8],\"data_offsets\":[-1000000,-999264]}}", dataBytes: 736),
                        contains: "must be non-negative integers")
        // A shape whose element count overflows Int.
        try expectError(file("{\"\(name)\":{\"dtype\":\"F32\",\"shape\":[4611686018427387904,4],\"data_offsets\":[0,0]}}", dataBytes: 16),
                        contains: "holds more values than the file has bytes")
        // Two tensors on the same bytes.
        try expectError(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}",
                             dataBytes: 12), contains: "tensors 'a' and 'b' overlap")
        // A NaN weight.
        var bytes = try Data(contentsOf: url)
        let offset = bytes.count - 4 * model.parameterCount + 4 * (good.entries[name]!.begin / 4)
        withUnsafeBytes(of: Float.nan.bitPattern.littleEndian) { bytes.replaceSubrange(offset..<(offset + 4), with: $0) }
        try expectError(bytes, contains: "'\(name)' has a non-finite value (nan) at index 0")
        // A metadata configuration sized to exhaust memory, refused before any allocation.
        var config = tinyConfig()
        config.modelDimension = 1_000_000_000
        #expect(throws: TransformerError.self) { try config.validate() }
        do { try config.validate() } catch { #expect("\(error)".contains("modelDimension 1000000000 is over the limit")) }
        var wide = tinyConfig()
        wide.modelDimension = 16384; wide.ffnDimension = 131072; wide.encoderLayers = 64; wide.decoderLayers = 64
        do { try wide.validate(); Issue.record("a 100-billion-parameter model was accepted") }
        catch { #expect("\(error)".contains("parameters") && "\(error)".contains("over the limit")) }
    }
}

import Foundation
import Tensor
import Transformer

/// A CTranslate2 model directory written directly (no Python, no ctranslate2 package): the
/// `model.bin` that ctranslate2's `TransformerSpec` saves for this architecture (binary
/// version 6, spec revision 7), its `config.json` and `shared_vocabulary.json`, byte for
/// byte as ctranslate2 4.x's own converter writes them from the same weights
/// (scripts/reference/ctranslate2_reference.py, checked by the tests' fixtures).
///
/// The mapping, as CTranslate2's fairseq converter does it: q/k/v fused into one [3d, d]
/// matrix (cross-attention: q alone, k/v fused), the shared embedding stored once with the
/// output projection and the encoder embedding as aliases, a zero output bias, nmt's own
/// sinusoidal table from position 1 (pad is 0), embeddings scaled by √d, decoding from `<s>`,
/// and `</s>` appended to every source as nmt does (`add_source_eos`).
public enum CTranslate2Model {
    /// ctranslate2's DataType codes (include/ctranslate2/types.h).
    enum DataType: UInt8 { case float32 = 0, int8 = 1, int16 = 2 }

    struct Variable {
        var name: String
        var shape: [Int]
        var type: DataType
        var bytes: [UInt8]
        var isScalar: Bool { shape.isEmpty }
    }

    /// Writes the directory (created whole or not at all: `NewDirectory`; in an existing one the
    /// files of these names are replaced).
    public static func write(_ model: TransformerModel, pieces: [String], to directory: String) throws {
        guard pieces.count == model.config.vocabularySize else {
            throw ApplicationError("the vocabulary has \(pieces.count) pieces but the model was built for \(model.config.vocabularySize)")
        }
        do {
            try NewDirectory.write(directory) { folder in
                try Data(modelBin(model)).write(to: folder.appendingPathComponent("model.bin"), options: .atomic)
                try Data(configJSON.utf8).write(to: folder.appendingPathComponent("config.json"), options: .atomic)
                try Data(vocabularyJSON(pieces).utf8).write(to: folder.appendingPathComponent("shared_vocabulary.json"), options: .atomic)
            }
        } catch let error as ApplicationError {
            throw error
        } catch {
            throw ApplicationError("\(directory): cannot write the CTranslate2 model: \(error.localizedDescription)")
        }
    }

    /// What ctranslate2's TransformerConfig saves for nmt's tokens (json.dump, indent 2, sorted keys).
    static let configJSON = """
        {
          "add_source_bos": false,
          "add_source_eos": true,
          "bos_token": "<s>",
          "decoder_start_token": "<s>",
          "eos_token": "</s>",
          "layer_norm_epsilon": 1e-05,
          "multi_query_attention": false,
          "unk_token": "<unk>"
        }

        """

    // MARK: Variables

    static func variables(_ model: TransformerModel) -> [Variable] {
        let c = model.config, d = c.modelDimension
        var out: [Variable] = []
        func floats(_ name: String, _ shape: [Int], _ values: [Float]) {
            out.append(Variable(name: name, shape: shape, type: .float32, bytes: values.withUnsafeBytes { Array($0) }))
        }
        func tensor(_ nmtName: String) -> [Float] { Array(model.parameter(named: nmtName)!) }
        func copy(_ name: String, _ nmtName: String) {
            floats(name, model.layout.info(named: nmtName)!.shape, tensor(nmtName))
        }
        func int8(_ name: String, _ value: Int8) { out.append(Variable(name: name, shape: [], type: .int8, bytes: [UInt8(bitPattern: value)])) }
        func int16(_ name: String, _ value: Int16) {
            out.append(Variable(name: name, shape: [], type: .int16, bytes: withUnsafeBytes(of: value.littleEndian, Array.init)))
        }
        func linear(_ name: String, _ nmt: String) {
            copy(name + "/weight", nmt + ".weight")
            copy(name + "/bias", nmt + ".bias")
        }
        func fused(_ name: String, _ nmt: String, _ parts: [String]) {
            floats(name + "/weight", [parts.count * d, d], parts.flatMap { tensor("\(nmt).\($0)_proj.weight") })
            floats(name + "/bias", [parts.count * d], parts.flatMap { tensor("\(nmt).\($0)_proj.bias") })
        }
        func norm(_ name: String, _ nmt: String) {
            copy(name + "/gamma", nmt + ".weight")
            copy(name + "/beta", nmt + ".bias")
        }
        let embedding = tensor("encoder.embed_tokens.weight")
        let table = EmbeddingKernels.sinusoidalTable(count: c.maxPositions + 1, columns: d, padIndex: Int(TransformerConfig.padId))
        let positions = Array(table[d...])   // rows 1…maxPositions: a sentence's first token is position 1
        let preNorm: Int8 = c.normalizeBefore ? 1 : 0
        for side in ["encoder", "decoder"] {
            let layers = side == "encoder" ? c.encoderLayers : c.decoderLayers
            floats(side == "encoder" ? "encoder/embeddings_0/weight" : "decoder/embeddings/weight", [c.vocabularySize, d], embedding)
            floats("\(side)/position_encodings/encodings", [c.maxPositions, d], positions)
            int8("\(side)/activation", 0)   // ReLU
            int16("\(side)/num_heads", Int16(c.heads))
            int8("\(side)/pre_norm", preNorm)
            int8("\(side)/scale_embeddings", 1)
            if c.normalizeBefore { norm("\(side)/layer_norm", "\(side).layer_norm") }
            for i in 0..<layers {
                let name = "\(side)/layer_\(i)", nmt = "\(side).layers.\(i)"
                fused(name + "/self_attention/linear_0", nmt + ".self_attn", ["q", "k", "v"])
                linear(name + "/self_attention/linear_1", nmt + ".self_attn.out_proj")
                norm(name + "/self_attention/layer_norm", nmt + ".self_attn_layer_norm")
                if side == "decoder" {
                    linear(name + "/attention/linear_0", nmt + ".encoder_attn.q_proj")
                    fused(name + "/attention/linear_1", nmt + ".encoder_attn", ["k", "v"])
                    linear(name + "/attention/linear_2", nmt + ".encoder_attn.out_proj")
                    norm(name + "/attention/layer_norm", nmt + ".encoder_attn_layer_norm")
                }
                linear(name + "/ffn/linear_0", nmt + ".fc1")
                linear(name + "/ffn/linear_1", nmt + ".fc2")
                norm(name + "/ffn/layer_norm", nmt + ".final_layer_norm")
            }
        }
        // The spec's fixed settings for this architecture, as TransformerSpec declares them.
        int8("encoder/embeddings_merge", 0)
        int8("encoder/multi_query_attention", 0)
        for flag in ["alibi", "alibi_use_positive_positions", "scale_alibi", "start_from_zero_embedding"] { int8("decoder/\(flag)", 0) }
        int16("decoder/alignment_heads", 1)
        int16("decoder/alignment_layer", -1)
        floats("decoder/projection/weight", [c.vocabularySize, d], embedding)
        floats("decoder/projection/bias", [c.vocabularySize], [Float](repeating: 0, count: c.vocabularySize))
        return out
    }

    // MARK: model.bin

    /// Variables in name order; a non-scalar variable equal (type, shape, values) to one earlier
    /// in that order is written as an alias of it, as ctranslate2's `_alias_variables` does.
    static func modelBin(_ model: TransformerModel) -> [UInt8] {
        let sorted = variables(model).sorted { $0.name < $1.name }
        var aliasOf: [Int: Int] = [:]
        for i in sorted.indices.reversed() where !sorted[i].isScalar {
            if let j = sorted[..<i].firstIndex(where: { same(sorted[i], $0) }) { aliasOf[i] = j }
        }
        var out: [UInt8] = []
        func u8(_ v: UInt8) { out.append(v) }
        func u16(_ v: UInt16) { out += withUnsafeBytes(of: v.littleEndian, Array.init) }
        func u32(_ v: UInt32) { out += withUnsafeBytes(of: v.littleEndian, Array.init) }
        func string(_ s: String) {
            let bytes = Array(s.utf8)
            u16(UInt16(bytes.count + 1))
            out += bytes
            u8(0)
        }
        u32(6)                      // binary version
        string("TransformerSpec")
        u32(7)                      // spec revision
        let kept = sorted.indices.filter { aliasOf[$0] == nil }
        u32(UInt32(kept.count))
        for i in kept {
            let v = sorted[i]
            string(v.name)
            u8(UInt8(v.shape.count))
            for dim in v.shape { u32(UInt32(dim)) }
            u8(v.type.rawValue)
            u32(UInt32(v.bytes.count))
            out += v.bytes
        }
        let aliases = sorted.indices.filter { aliasOf[$0] != nil }
        u32(UInt32(aliases.count))
        for i in aliases {
            string(sorted[i].name)
            string(sorted[aliasOf[i]!].name)
        }
        return out
    }

    /// numpy's array_equal on float32 data (so −0 equals 0 and NaN equals nothing).
    static func same(_ a: Variable, _ b: Variable) -> Bool {
        guard a.type == b.type, a.shape == b.shape, a.bytes.count == b.bytes.count else { return false }
        if a.type != .float32 { return a.bytes == b.bytes }
        return a.bytes.withUnsafeBytes { x in
            b.bytes.withUnsafeBytes { y in
                let p = x.bindMemory(to: Float.self), q = y.bindMemory(to: Float.self)
                return p.indices.allSatisfy { p[$0] == q[$0] }
            }
        }
    }

    // MARK: Vocabulary

    /// Python's json.dump(tokens, indent=2): one string per line, non-ASCII as \\uXXXX escapes.
    static func vocabularyJSON(_ pieces: [String]) -> String {
        "[\n" + pieces.map { "  " + pythonJSONString($0) }.joined(separator: ",\n") + "\n]"
    }

    static func pythonJSONString(_ s: String) -> String {
        var out = "\""
        for unit in s.utf16 {
            switch unit {
            case 0x22: out += "\\\""
            case 0x5C: out += "\\\\"
            case 0x0A: out += "\\n"
            case 0x0D: out += "\\r"
            case 0x09: out += "\\t"
            case 0x08: out += "\\b"
            case 0x0C: out += "\\f"
            case 0x20..<0x7F: out.unicodeScalars.append(Unicode.Scalar(unit)!)
            default: out += String(format: "\\u%04x", unit)
            }
        }
        return out + "\""
    }
}

// Model weights as safetensors, with the names of docs/safetensors.md (fairseq-like).
// The config is stored as JSON in the metadata under "nmt.transformer_config".
@_exported import SafeTensors
import Foundation

extension TransformerModel {
    /// The file, its errors as the module's (`TransformerError.safetensors`).
    static func open(_ url: URL) throws -> SafeTensorsFile { try reported { try SafeTensorsFile(contentsOf: url) } }

    /// `body`, a SafeTensorsError thrown as the module's error.
    static func reported<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch let error as SafeTensorsError {
            throw TransformerError.safetensors(file: error.file, message: error.message)
        }
    }

    public static let configMetadataKey = "nmt.transformer_config"
    /// Names that PyTorch/fairseq state dicts may carry for the tied embedding; accepted on
    /// load (their shape must match) and otherwise ignored.
    public static let tiedAliases = ["decoder.embed_tokens.weight", "decoder.output_projection.weight"]

    public func save(to url: URL) throws {
        // Sorted keys: the same model always writes the same bytes.
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let config = String(decoding: try encoder.encode(self.config), as: UTF8.self)
        let base = UnsafePointer(parameters.baseAddress!)
        try Self.reported { try SafeTensorsFile.write(to: url, tensors: layout.tensors.map { t in
            (t.name, t.shape, UnsafeBufferPointer(start: base + t.offset, count: t.count))
        }, metadata: [Self.configMetadataKey: config]) }
    }

    /// Replaces every parameter by the file's tensor of the same name. Every tensor must be
    /// present with dtype F32 and the right shape; unknown tensors are an error.
    public func loadParameters(from file: SafeTensorsFile) throws {
        let embeddingShape = layout.tensors[0].shape
        for (name, e) in file.entries where layout.info(named: name) == nil {
            if Self.tiedAliases.contains(name) {
                guard e.shape == embeddingShape else {
                    throw TransformerError.safetensors(file: file.path, message: "tensor '\(name)' has shape \(e.shape), expected \(embeddingShape) (tied to encoder.embed_tokens.weight)")
                }
                continue
            }
            throw TransformerError.safetensors(file: file.path, message: "unexpected tensor '\(name)' (not a parameter of this model configuration)")
        }
        var staged = [Float](repeating: 0, count: layout.count)
        for t in layout.tensors {
            let values = try Self.reported { try file.floats(t.name, expectedShape: t.shape) }
            staged.withUnsafeMutableBufferPointer { dst in
                values.withUnsafeBufferPointer { (dst.baseAddress! + t.offset).update(from: $0.baseAddress!, count: t.count) }
            }
        }
        staged.withUnsafeBufferPointer { parameters.baseAddress!.update(from: $0.baseAddress!, count: layout.count) }
    }

    public func loadParameters(from url: URL) throws { try loadParameters(from: Self.open(url)) }

    /// A model whose config comes from the file's metadata and whose weights from its tensors.
    public static func load(from url: URL) throws -> TransformerModel {
        let file = try open(url)
        guard let json = file.metadata[configMetadataKey] else {
            throw TransformerError.safetensors(file: url.path, message: "no '\(configMetadataKey)' metadata: pass a config and use loadParameters(from:)")
        }
        let config: TransformerConfig
        do { config = try JSONDecoder().decode(TransformerConfig.self, from: Data(json.utf8)) } catch {
            throw TransformerError.safetensors(file: url.path, message: "metadata '\(configMetadataKey)' is not a valid config: \(error)")
        }
        let model = try TransformerModel(config: config, seed: 0)
        try model.loadParameters(from: file)
        return model
    }
}

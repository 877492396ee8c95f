/// A contiguous-or-not set of parameter tensors that diagnostics report as one row: the
/// embeddings, each layer's self-attention, cross-attention, feed-forward block and layer
/// norms, named as in the safetensors file (`encoder.layers.0.self_attn`, …).
public struct ParameterGroup: Equatable, Sendable {
    public var name: String
    /// Ranges of the flat parameter buffer.
    public var ranges: [Range<Int>]
    public var count: Int { ranges.reduce(0) { $0 + $1.count } }

    public init(name: String, ranges: [Range<Int>]) {
        self.name = name
        self.ranges = ranges
    }

    /// The group a tensor belongs to: `…embed_tokens.weight` → `embeddings`;
    /// `X.layers.N.self_attn.q_proj.weight` → `X.layers.N.self_attn` (likewise `encoder_attn`);
    /// `X.layers.N.fc1.weight` → `X.layers.N.ffn`; `X.layers.N.*_layer_norm.*` →
    /// `X.layers.N.layer_norms`; anything else (e.g. a final `encoder.layer_norm`) by its
    /// module, the name without its last component.
    public static func groupName(ofTensor name: String) -> String {
        if name.contains("embed") { return "embeddings" }
        let parts = name.split(separator: ".").map(String.init)
        if parts.count >= 4, parts[1] == "layers" {
            let layer = parts[0..<3].joined(separator: ".")
            let module = parts[3]
            if module == "self_attn" || module == "encoder_attn" { return layer + "." + module }
            if module == "fc1" || module == "fc2" { return layer + ".ffn" }
            if module.hasSuffix("layer_norm") { return layer + ".layer_norms" }
            return layer + "." + module
        }
        return parts.dropLast().joined(separator: ".")
    }

    /// Groups tensors (name, offset, count) by `groupName`, in the order groups first appear.
    public static func grouping(_ tensors: [(name: String, offset: Int, count: Int)]) -> [ParameterGroup] {
        var order: [String] = [], ranges: [String: [Range<Int>]] = [:]
        for t in tensors {
            let g = groupName(ofTensor: t.name)
            if ranges[g] == nil { order.append(g) }
            ranges[g, default: []].append(t.offset..<(t.offset + t.count))
        }
        return order.map { ParameterGroup(name: $0, ranges: ranges[$0]!) }
    }
}

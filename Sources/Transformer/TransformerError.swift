// Every error the Transformer module reports: each says what is wrong and where.
public enum TransformerError: Error, CustomStringConvertible, Equatable {
    case invalidConfig(String)
    case invalidBatch(String)
    case tokenOutOfRange(tensor: String, row: Int, position: Int, id: Int32, vocabularySize: Int)
    case safetensors(file: String, message: String)
    case decoding(String)

    public var description: String {
        switch self {
        case .invalidConfig(let m): return "invalid Transformer config: \(m)"
        case .invalidBatch(let m): return "invalid batch: \(m)"
        case let .tokenOutOfRange(tensor, row, position, id, v):
            return "invalid batch: \(tensor) has token id \(id) at row \(row), position \(position); ids must be in 0..<\(v)"
        case let .safetensors(file, m): return "\(file): \(m)"
        case .decoding(let m): return "incremental decoding: \(m)"
        }
    }
}

/// Why a hypothesis or reference stream cannot be scored. Each case renders as one line naming the file.
public enum MetricsInputError: Error, CustomStringConvertible, Equatable {
    case invalidUTF8(file: String, line: Int, byteOffset: Int)
    case lineCountMismatch(file: String, lines: Int, expectedFile: String, expectedLines: Int)
    case noReferences
    case emptyCorpus(file: String)
    case invalidSetting(String)

    public var description: String {
        switch self {
        case let .invalidUTF8(file, line, byteOffset):
            return "\(file):\(line): not valid UTF-8 (byte offset \(byteOffset) in the file)"
        case let .lineCountMismatch(file, lines, expectedFile, expectedLines):
            return "\(file) has \(lines) line\(lines == 1 ? "" : "s") but \(expectedFile) has \(expectedLines): the hypotheses and every reference file need one line per segment"
        case .noReferences:
            return "no reference file given"
        case let .emptyCorpus(file):
            return "\(file) is empty: there is nothing to score"
        case let .invalidSetting(message):
            return message
        }
    }
}

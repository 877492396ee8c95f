// User-supplied parallel text: two files, one segment per line, line i of the source translated by
// line i of the target. Read whole (corpora for this tool fit in memory) and validated once, so
// training and BPE learning can trust the lines they get.
import Foundation

public struct ParallelCorpus: Sendable {
    public let sourcePath: String
    public let targetPath: String
    public let source: [String]
    public let target: [String]

    public var count: Int { source.count }

    public static func read(source sourcePath: String, target targetPath: String) throws -> ParallelCorpus {
        let source = try TextLines.read(path: sourcePath)
        let target = try TextLines.read(path: targetPath)
        guard source.count == target.count else {
            throw CorpusFileError.lineCountMismatch(source: sourcePath, sourceLines: source.count,
                                                    target: targetPath, targetLines: target.count)
        }
        guard !source.isEmpty else { throw CorpusFileError.empty(path: sourcePath) }
        return ParallelCorpus(sourcePath: sourcePath, targetPath: targetPath, source: source, target: target)
    }
}

/// Reads a UTF-8 text file as lines. A final newline does not start another line; a trailing
/// carriage return (CRLF files) is removed.
public enum TextLines {
    public static func read(path: String) throws -> [String] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw CorpusFileError.missing(path: path)
        }
        guard !isDirectory.boolValue, let data = FileManager.default.contents(atPath: path) else {
            throw CorpusFileError.unreadable(path: path)
        }
        return try split(data, path: path)
    }

    public static func split(_ data: Data, path: String) throws -> [String] {
        var lines: [String] = []
        try data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            let bytes = raw.bindMemory(to: UInt8.self)
            var start = 0
            var lineNumber = 1
            while start < bytes.count {
                var end = start
                while end < bytes.count && bytes[end] != 0x0A { end += 1 }
                var contentEnd = end
                if contentEnd > start && bytes[contentEnd - 1] == 0x0D { contentEnd -= 1 }
                guard let line = String(validating: UnsafeBufferPointer(rebasing: bytes[start..<contentEnd]), as: UTF8.self) else {
                    throw CorpusFileError.invalidUTF8(path: path, line: lineNumber)
                }
                lines.append(line)
                start = end + 1
                lineNumber += 1
            }
        }
        return lines
    }
}

public enum CorpusFileError: Error, Equatable, CustomStringConvertible {
    case missing(path: String)
    case unreadable(path: String)
    case lineCountMismatch(source: String, sourceLines: Int, target: String, targetLines: Int)
    case empty(path: String)
    case invalidUTF8(path: String, line: Int)

    public var description: String {
        switch self {
        case .missing(let path):
            return "\(path): no such file"
        case .unreadable(let path):
            return "\(path): cannot be read"
        case .lineCountMismatch(let source, let sourceLines, let target, let targetLines):
            return "\(source) has \(sourceLines) lines but \(target) has \(targetLines): a parallel corpus needs one target line per source line"
        case .empty(let path):
            return "\(path): the corpus is empty"
        case .invalidUTF8(let path, let line):
            return "\(path):\(line): not valid UTF-8"
        }
    }
}

/// The lines of one text file as Python code points, stored flat: line `i` is
/// `scalars[starts[i] ..< starts[i + 1]]`.
///
/// Lines are read the way sacreBLEU's command line reads them (`open(newline="\n")`, then
/// `line.rstrip()`): split on "\n" only, a final "\n" ends the last line rather than starting a new one,
/// and trailing Python whitespace (including "\r") is dropped.
public struct TextLines: Sendable {
    public private(set) var scalars: [UInt32]
    public private(set) var starts: [Int]

    public var count: Int { starts.count - 1 }

    public init(lines: [String]) {
        scalars = []
        starts = [0]
        for line in lines {
            var codePoints = line.unicodeScalars.map(\.value)
            let kept = codePoints.withUnsafeBufferPointer { PythonText.rstrippedCount($0) }
            codePoints.removeLast(codePoints.count - kept)
            scalars.append(contentsOf: codePoints)
            starts.append(scalars.count)
        }
    }

    /// Decodes strictly (as Python's "utf-8" codec does: no overlongs, surrogates or values above
    /// U+10FFFF; a byte-order mark stays a character). `name` is used in error messages.
    public init(utf8 bytes: [UInt8], name: String) throws {
        (scalars, starts) = try bytes.withUnsafeBufferPointer { try Self.decode($0, name: name) }
    }

    /// Code points of line `index`, valid while `body` runs.
    @inline(__always)
    public func withLine<R>(_ index: Int, _ body: (UnsafeBufferPointer<UInt32>) throws -> R) rethrows -> R {
        try scalars.withUnsafeBufferPointer { all in
            try body(UnsafeBufferPointer(rebasing: all[starts[index] ..< starts[index + 1]]))
        }
    }

    private static func decode(_ bytes: UnsafeBufferPointer<UInt8>, name: String) throws -> ([UInt32], [Int]) {
        var scalars: [UInt32] = []
        scalars.reserveCapacity(bytes.count)
        var starts = [0]
        var lineNumber = 1
        var lineStart = 0
        var i = 0
        let n = bytes.count

        func endLine() {
            var end = scalars.count
            while end > lineStart && PythonText.isWhitespace(scalars[end - 1]) { end -= 1 }
            scalars.removeLast(scalars.count - end)
            starts.append(end)
            lineStart = end
        }

        while i < n {
            let b0 = bytes[i]
            if b0 < 0x80 {
                if b0 == 0x0A { endLine(); lineNumber += 1 } else { scalars.append(UInt32(b0)) }
                i += 1
                continue
            }
            // Well-formed sequences per the Unicode Standard, table 3-7.
            let length: Int
            var lower: UInt8 = 0x80, upper: UInt8 = 0xBF
            switch b0 {
            case 0xC2...0xDF: length = 2
            case 0xE0: length = 3; lower = 0xA0
            case 0xE1...0xEC, 0xEE...0xEF: length = 3
            case 0xED: length = 3; upper = 0x9F
            case 0xF0: length = 4; lower = 0x90
            case 0xF1...0xF3: length = 4
            case 0xF4: length = 4; upper = 0x8F
            default: throw MetricsInputError.invalidUTF8(file: name, line: lineNumber, byteOffset: i)
            }
            guard i + length <= n else { throw MetricsInputError.invalidUTF8(file: name, line: lineNumber, byteOffset: i) }
            let b1 = bytes[i + 1]
            guard b1 >= lower && b1 <= upper else { throw MetricsInputError.invalidUTF8(file: name, line: lineNumber, byteOffset: i) }
            var value = UInt32(b0) & (0xFF >> (length + 1))
            value = value << 6 | UInt32(b1 & 0x3F)
            for k in 2 ..< length {
                let b = bytes[i + k]
                guard b & 0xC0 == 0x80 else { throw MetricsInputError.invalidUTF8(file: name, line: lineNumber, byteOffset: i) }
                value = value << 6 | UInt32(b & 0x3F)
            }
            scalars.append(value)
            i += length
        }
        // Text after the last "\n" is a line of its own; a file ending in "\n" has no extra empty line.
        if n > 0 && bytes[n - 1] != 0x0A { endLine() }
        return (scalars, starts)
    }
}

#if canImport(Glibc)
import Glibc
#endif
import Text

/// Translates a stream of lines to a stream of lines: exactly one output line per input line,
/// in order, an empty line for an empty line; batches of `linesPerBatch` lines so memory stays
/// bounded however long the input. Progress and warnings go to the console (stderr).
public enum StreamTranslation {
    public static func run(_ translator: Translator, input: TextLineReader, totalLines: Int?, outputFD: Int32 = STDOUT_FILENO,
                           linesPerBatch: Int = 1000, console: Console) throws {
        let progress = ProgressLine("translate", total: totalLines, unit: "sentences", quiet: console.quiet || (totalLines ?? 1000) < 100)
        var done = 0
        while let lines = try input.next(maxLines: linesPerBatch) {
            var text = try translator.translate(lines).joined(separator: "\n")
            text.append("\n")
            try Array(text.utf8).withUnsafeBytes { try writeAll(outputFD, $0, name: "standard output") }
            done += lines.count
            progress.update(done)
        }
        progress.finish(done)
        if input.invalidLines > 0 {
            console.warn("\(input.invalidLines) input lines had invalid UTF-8 (replaced by U+FFFD)")
        }
        if translator.truncatedLines > 0 {
            console.warn("\(translator.truncatedLines) input lines were longer than the model's \(translator.maxSourceTokens) tokens and were truncated")
        }
        if translator.unknownCharacters > 0 {
            console.warn("\(translator.unknownCharacters) characters unknown to the vocabulary were encoded as <unk>")
        }
    }
}

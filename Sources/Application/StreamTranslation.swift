#if canImport(Glibc)
import Glibc
#endif
import Text

/// Translates a stream of lines to a stream of lines: exactly one output line per input line,
/// in order, an empty line for an empty line; batches of `linesPerBatch` lines so memory stays
/// bounded however long the input. Progress and warnings go to the console (stderr).
public enum StreamTranslation {
    /// Each batch is what has arrived, up to `linesPerBatch` lines (TextLineReader never waits
    /// for more than is available), and its output is written before the next read, so a
    /// line-at-a-time writer gets each answer at once while a file still goes in full batches.
    public static func run(_ translator: Translator, input: TextLineReader, totalLines: Int?, outputFD: Int32 = STDOUT_FILENO,
                           format: TranslationFormat = .plain, linesPerBatch: Int = 1000, console: Console) throws {
        let progress = ProgressLine("translate", total: totalLines, unit: "sentences", quiet: console.quiet || (totalLines ?? 1000) < 100)
        var done = 0
        if let header = format.header { try write(header + "\n", to: outputFD) }
        while let lines = try input.next(maxLines: linesPerBatch) {
            var text = ""
            for (offset, translation) in try translator.translateScored(lines).enumerated() {
                for line in format.lines(id: done + offset, translation) {
                    text += line
                    text += "\n"
                }
            }
            try write(text, to: outputFD)
            done += lines.count
            progress.update(done)
        }
        progress.finish(done)
        if translator.truncatedLines > 0 {
            console.warn("\(translator.truncatedLines) input lines were longer than the model's \(translator.maxSourceTokens) tokens and were truncated")
        }
        if translator.unknownCharacters > 0 {
            console.warn("\(translator.unknownCharacters) characters unknown to the vocabulary were encoded as <unk>")
        }
    }

    private static func write(_ text: String, to fd: Int32) throws {
        try Array(text.utf8).withUnsafeBytes { try writeAll(fd, $0, name: "standard output") }
    }
}

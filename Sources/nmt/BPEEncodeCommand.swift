import Application
import Parallelism
import ArgumentParser
import Text
#if canImport(Glibc)
import Glibc
#endif

struct BPEEncodeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "encode",
        abstract: "Encode text from stdin into pieces (or ids), one line per line.",
        discussion: """
        Pieces (or ids) are separated by single spaces.
        Streams: reads in bounded chunks and encodes each chunk's lines on all cores,
        writing in order. Characters not in the model's alphabet become <unk> and are
        counted in a warning on stderr. Invalid UTF-8 is an error naming the line.
        """
    )

    @OptionGroup var model: BPEModelOption

    @Flag(name: .long, help: "Write token ids instead of pieces.")
    var ids = false

    @OptionGroup var runtime: RuntimeOptions

    func run() throws {
        runtime.apply()
        let model = try self.model.load()
        let transforms = (0..<Parallel.threadCap).map { _ in EncodeLineTransform(model: model, writeIds: ids) }
        try ParallelLineProcessor.runStandardStreams(transforms: transforms)
        let unknown = transforms.reduce(0) { $0 + $1.encoder.unknownCount }
        if unknown > 0 {
            printError("warning: \(unknown) character\(unknown == 1 ? "" : "s") not in the model's alphabet encoded as <unk>")
        }
    }
}

/// Writes one line to stderr.
func printError(_ message: String) {
    var line = message + "\n"
    line.withUTF8 { _ = fwrite($0.baseAddress, 1, $0.count, stderr) }
}

import Application
import Parallelism
import ArgumentParser
import Text
#if canImport(Glibc)
import Glibc
#endif

struct BPEDecodeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decode",
        abstract: "Decode pieces (or ids) from stdin back into text, one line per line.",
        discussion: """
        Pieces (or ids) are separated by spaces. An unknown piece or an id outside the
        vocabulary is an error naming the line.
        """
    )

    @OptionGroup var model: BPEModelOption

    @Flag(name: .long, help: "Read token ids instead of pieces.")
    var ids = false

    @OptionGroup var runtime: RuntimeOptions

    func run() throws {
        runtime.apply()
        let model = try self.model.load()
        let transforms = (0..<Parallel.threadCap).map { _ in DecodeLineTransform(model: model, readIds: ids) }
        try ParallelLineProcessor.runStandardStreams(transforms: transforms)
    }
}

import ArgumentParser
import Tensor

@main
struct NMT: ParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "nmt",
        abstract: "Neural machine translation on the CPU: tokenize, train (Adam+warmup or RAdam), translate, score.",
        discussion: """
        Typical flow on the built-in Spanish→English Bible corpus:
          nmt data bible                      build data/bible/{train,valid,test}.{es,en}
          nmt bpe learn --vocab-size 8000 --out vocab/bible.bpe data/bible/train.es data/bible/train.en
          nmt bleu data/bible/test.en --hyp output.txt
        """,
        version: "nmt \(version)\n\(BLASRuntime.description)",
        subcommands: [DataCommand.self, BPECommand.self, TrainCommand.self, RunsCommand.self, ShowCommand.self, CompareCommand.self, ExportCommand.self, TranslateCommand.self, ScoreCommand.self, AverageCommand.self, EvalCommand.self, BleuCommand.self, AnalyzeCommand.self, VersionCommand.self]
    )

    static func main() {
        // Must run before anything touches OpenBLAS's kernels (shared/TOOLCHAIN.md).
        BLASRuntime.ensureOptimizedKernel(arguments: CommandLine.arguments)
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            exit(withError: error)
        }
    }
}

struct VersionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "version", abstract: "Print the version and the BLAS kernel in use.")
    func run() throws {
        print("nmt \(NMT.version)")
        print(BLASRuntime.description)
    }
}

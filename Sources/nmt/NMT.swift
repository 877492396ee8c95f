import Application
import ArgumentParser
import Foundation
import Tensor

@main
struct NMT: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nmt",
        abstract: "Neural machine translation on the CPU.",
        discussion: """
        Tokenize, train (Adam+warmup or RAdam), translate, score.
        Typical flow on the built-in Spanish→English Bible corpus:
          nmt data bible                    build data/bible/{train,valid,test}.{es,en}
          nmt bpe learn --vocab-size 8000 --out vocab/bible.bpe \\
              data/bible/train.es data/bible/train.en
          nmt bleu data/bible/test.en --hyp output.txt
        """,
        version: "nmt \(BuildInfo.version)\n\(BLASRuntime.description)",
        subcommands: [DataCommand.self, BPECommand.self, TrainCommand.self, RunsCommand.self, ShowCommand.self, CompareCommand.self, ExportCommand.self, MetricsCommand.self, TranslateCommand.self, ServeCommand.self, ShortlistCommand.self, ScoreCommand.self, AverageCommand.self, RemoveCommand.self, PruneCommand.self, EvalCommand.self, BleuCommand.self, AnalyzeCommand.self, StudyCommand.self, VersionCommand.self]
    )

    static func main() {
        // Must run before anything touches OpenBLAS's kernels (shared/TOOLCHAIN.md).
        BLASRuntime.ensureOptimizedKernel(arguments: CommandLine.arguments)
        var command: ParsableCommand
        var places: [String: String] = [:]
        do {
            let expanded = try TrainConfigFile.expandNamingPlaces(Array(CommandLine.arguments.dropFirst()))
            places = expanded.places
            command = try parseAsRoot(expanded.arguments)
        } catch {
            exitWithParseError(error, arguments: Array(CommandLine.arguments.dropFirst()), places: places)
        }
        do {
            try command.run()
        } catch let error as ValidationError {
            exit(withError: error)
        } catch let error as ExitCode {
            exit(withError: error)
        } catch let error as CleanExit {
            exit(withError: error)
        } catch where String(reflecting: type(of: error)).hasPrefix("ArgumentParser.") {
            // `--help` parses to ArgumentParser's own help command, whose run() throws the
            // request; ArgumentParser prints it (and its other errors) itself.
            exit(withError: error)
        } catch {
            // Library errors already carry a one-line description naming the file, line or
            // run: that line on stderr and exit status 1, instead of a type dump. In an MPI job
            // the other ranks are stopped too, rather than left waiting for this one.
            FileHandle.standardError.write(Data("nmt: error: \(error)\n".utf8))
            Job.fail(code: 1)
        }
    }
}

extension NMT {
    /// A command line that does not parse: one line naming the problem and where the options
    /// are listed (ArgumentParser's own report adds a usage block), exit status 64 as before.
    /// Help and version requests are not errors and print in full.
    static func exitWithParseError(_ error: Error, arguments: [String], places: [String: String] = [:]) -> Never {
        if error is ApplicationError {
            FileHandle.standardError.write(Data("nmt: error: \(error)\n".utf8))
            Foundation.exit(1)
        }
        let code = exitCode(for: error)
        if code == .success { exit(withError: error) }
        var first = message(for: error).split(separator: "\n").first.map(String.init) ?? "\(error)"
        // A value from a --config file: named by its file and line.
        if let placed = TrainConfigFile.placed(first, places: places) { first = placed }
        let subcommand = arguments.first.flatMap { name in configuration.subcommands.first { $0._commandName == name } }
        let help = subcommand.map { "nmt \($0._commandName) --help" } ?? "nmt --help"
        FileHandle.standardError.write(Data("nmt: error: \(first) (\(help) lists the options)\n".utf8))
        Foundation.exit(code.rawValue)
    }
}

struct VersionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "version", abstract: "Print the version and the BLAS, vector and int8 decoding kernels used.")
    @OptionGroup var runtime: RuntimeOptions
    func run() throws {
        runtime.apply()
        print("nmt \(BuildInfo.version)")
        print(BLASRuntime.description)
        print("vector kernels \(VectorMath.kernelName) (softmax exp, candidate scan, cached attention)")
        print("int8 decoding kernel \(Int8GEMM.Kernel.chosen.name)")
        print(Job.mpiDescription)
    }
}

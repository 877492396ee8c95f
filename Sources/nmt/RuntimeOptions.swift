import Application
import ArgumentParser
import Parallelism

/// `--threads` and `--quiet`, declared once and honoured by every command: the thread cap
/// bounds all of the program's parallel work (Parallelism), quiet silences progress and
/// information on stderr (warnings and errors still show).
struct RuntimeOptions: ParsableArguments {
    @Option(help: "Threads for all parallel work (BLAS, kernels, BPE, BLEU). Default: NMT_THREADS, else the online CPUs.")
    var threads = Parallel.defaultThreadCount
    @Flag(help: "No progress output.") var quiet = false

    func validate() throws {
        if threads < 1 { throw ValidationError("--threads must be at least 1") }
    }

    /// Applies the thread cap; returns the console the command reports through.
    @discardableResult
    func apply() -> Console {
        Parallel.setThreadCap(threads)
        return Console(quiet: quiet)
    }
}

/// A one-line error raised by the command layer itself.
struct CLIError: Error, CustomStringConvertible {
    let description: String
    init(_ message: String) { description = message }
}

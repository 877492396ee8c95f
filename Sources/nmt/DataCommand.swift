import Application
import ArgumentParser
import Corpus
import Foundation

struct DataCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "data",
        abstract: "Build a built-in corpus.",
        subcommands: [BibleDataCommand.self]
    )
}

struct BibleDataCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bible",
        abstract: "Build the Spanish→English Bible corpus (Reina-Valera 1909 → World English Bible) from the Debian SWORD modules.",
        discussion: """
        Writes OUT/{train,valid,test}.{es,en,ref}, one verse per line, split by book, and OUT/dropped.tsv,
        every verse left out (missing or empty on a side, or misaligned) with its reason. With --manifest,
        checks every file against the manifest (line count and SHA-256); with --write-manifest,
        (re)writes the manifest instead. Needs the apt packages diatheke, sword-text-sparv and sword-text-web.
        """
    )

    @Option(help: "Output directory.")
    var out: String = "data/bible"

    @Option(help: "Manifest to verify the files against (or to write, with --write-manifest).")
    var manifest: String?

    @Flag(help: "Write the manifest from the files just built instead of verifying them.")
    var writeManifest = false

    func validate() throws {
        if writeManifest && manifest == nil { throw ValidationError("--write-manifest needs --manifest PATH") }
    }

    @OptionGroup var runtime: RuntimeOptions

    func run() throws {
        runtime.apply()
        try write(directory: out)  // fail before the slow part if OUT cannot be created
        let diatheke = try Diatheke.locate()
        let corpus = try BibleCorpus.build(using: diatheke)
        let files = corpus.files()
        for file in files { try write(Data(file.contents.utf8), to: "\(out)/\(file.name)") }
        func perSplit(_ count: (CorpusSplit) -> Int) -> String {
            CorpusSplit.allCases.map { "\($0.rawValue) \(count($0))" }.joined(separator: ", ")
        }
        let counts = corpus.counts
        print("bible: \(counts.pairs) verse pairs (\(perSplit { corpus.pairs[$0]?.count ?? 0 })) written to \(out)")
        print("bible: dropped \(counts.sourceOnly) verses only in \(BibleCorpus.source.name), \(counts.targetOnly) only in \(BibleCorpus.target.name), \(counts.empty) empty on a side")
        print("bible: kept \(counts.pairs), dropped \(counts.sourceOnly + counts.targetOnly + counts.empty) empty/missing (\(perSplit { corpus.droppedCount(in: $0) { !$0.isMisaligned } })), dropped \(counts.misaligned) misaligned (\(perSplit { corpus.droppedCount(in: $0) { $0.isMisaligned } })); listed in \(out)/\(BibleCorpus.droppedFile)")

        guard let manifestPath = manifest else { return }
        if writeManifest {
            let text = CorpusManifest(files: files).text(comment: """
            nmt data bible: \(BibleCorpus.source.name) → \(BibleCorpus.target.name), split by book.
            FILE LINES SHA256 — checked by `nmt data bible --manifest`; rewrite with --write-manifest.
            """)
            try write(directory: (manifestPath as NSString).deletingLastPathComponent)
            try write(Data(text.utf8), to: manifestPath)
            print("bible: wrote manifest \(manifestPath) (\(files.count) files)")
        } else {
            let expected = try CorpusManifest.load(path: manifestPath)
            try expected.verify(directory: out, manifestPath: manifestPath, expectedFiles: files.map(\.name))
            print("bible: all \(expected.entries.count) files match \(manifestPath)")
        }
    }
}

/// File-system failures as one line naming the path (Foundation's own errors are multi-line dumps).
struct OutputError: Error, CustomStringConvertible {
    let path: String
    let reason: String
    var description: String { "\(path): cannot write (\(reason))" }
}

private func write(directory: String) throws {
    guard !directory.isEmpty else { return }
    do { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) }
    catch { throw OutputError(path: directory, reason: "cannot create the directory") }
}

private func write(_ data: Data, to path: String) throws {
    do { try data.write(to: URL(fileURLWithPath: path), options: .atomic) }
    catch {
        let underlying = (error as NSError).userInfo[NSUnderlyingErrorKey] as? NSError
        throw OutputError(path: path, reason: underlying.map { String(cString: strerror(Int32($0.code))) } ?? error.localizedDescription)
    }
}

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
        abstract: "Build the Spanish→English Bible corpus from the Debian SWORD modules.",
        discussion: """
        Reina-Valera 1909 → World English Bible.
        Writes OUT/{train,valid,test}.{es,en,ref}, one verse per line, split by book,
        and OUT/dropped.tsv, every verse left out (missing or empty on a side, or
        misaligned) with its reason. With --manifest, checks every file against the
        manifest (line count and SHA-256); with --write-manifest, (re)writes the
        manifest instead. Needs the apt packages diatheke, sword-text-sparv and
        sword-text-web.
        """
    )

    @Option(help: "Output directory.")
    var out: String = "data/bible"

    @Option(help: "Manifest to verify the files against (or to write, with --write-manifest).")
    var manifest: String?

    @Flag(help: "Write the manifest from the files just built instead of verifying them.")
    var writeManifest = false

    @OptionGroup var runtime: RuntimeOptions

    func validate() throws {
        if writeManifest && manifest == nil { throw ValidationError("--write-manifest needs --manifest PATH") }
    }

    func run() throws {
        runtime.apply()
        let (corpus, files) = try BibleData.build(into: out)
        func perSplit(_ count: (CorpusSplit) -> Int) -> String {
            CorpusSplit.allCases.map { "\($0.rawValue) \(count($0))" }.joined(separator: ", ")
        }
        let counts = corpus.counts
        print("bible: \(counts.pairs) verse pairs (\(perSplit { corpus.pairs[$0]?.count ?? 0 })) written to \(out)")
        print("bible: dropped \(counts.sourceOnly) verses only in \(BibleCorpus.source.name), \(counts.targetOnly) only in \(BibleCorpus.target.name), \(counts.empty) empty on a side")
        print("bible: kept \(counts.pairs), dropped \(counts.sourceOnly + counts.targetOnly + counts.empty) empty/missing (\(perSplit { corpus.droppedCount(in: $0) { !$0.isMisaligned } })), dropped \(counts.misaligned) misaligned (\(perSplit { corpus.droppedCount(in: $0) { $0.isMisaligned } })); listed in \(out)/\(BibleCorpus.droppedFile)")

        guard let manifestPath = manifest else { return }
        if writeManifest {
            try BibleData.writeManifest(of: files, to: manifestPath)
            print("bible: wrote manifest \(manifestPath) (\(files.count) files)")
        } else {
            let count = try BibleData.verify(directory: out, against: manifestPath, files: files)
            print("bible: all \(count) files match \(manifestPath)")
        }
    }
}

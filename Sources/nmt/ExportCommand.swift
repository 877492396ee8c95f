import Application
import ArgumentParser
import Foundation
import Store

struct ExportCommand: ParsableCommand {
    enum Format: String, ExpressibleByArgument, CaseIterable { case safetensors, ctranslate2, bundle }

    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write a run's checkpoint as a safetensors or CTranslate2 model.",
        discussion: """
        safetensors: one file that loads in PyTorch, with fairseq's tensor names
        (docs/safetensors.md).
        ctranslate2: a model directory (model.bin, config.json, shared_vocabulary.json)
        that ctranslate2.Translator loads; it decodes like nmt translate (decoder starts
        at <s>, </s> appended to the source); pass BPE pieces (nmt bpe encode) and
        --compute-type int8 to quantize.
        bundle: a directory with model.safetensors, the run's BPE model (vocab.bpe) and
        model.json (configuration, corpus and vocabulary hashes, the checkpoint, its
        stored evaluations, file hashes): `nmt translate --model DIR` uses it without
        the database.
          nmt export radam --out radam.safetensors
          nmt export radam --format ctranslate2 --out radam-ct2
          nmt export radam --checkpoint avg --format bundle --out models/radam
        """)
    @Argument(help: "Run name.") var name: String
    @OptionGroup var database: DatabaseOptions
    @Option(help: "best, last, avg (the newest `nmt average`), or a checkpoint id.", transform: { try CheckpointSelector.parse($0) }) var checkpoint: CheckpointSelector = .best
    @Option(help: "safetensors (a file), ctranslate2 or bundle (directories).") var format: Format = .safetensors
    @Option(help: "Output file (safetensors) or directory (ctranslate2, bundle).") var out: String
    @Option(help: "bundle: the run's BPE model, when it is no longer at the path the run was trained with.") var vocab: String?
    @OptionGroup var runtime: RuntimeOptions

    func run() throws {
        let console = runtime.apply()
        try OutputPath.refuse(out, flag: "--out", inputs: [("run database", database.db)] + (vocab.map { [("vocabulary", $0)] } ?? []))
        let run = try RunRestore.restore(store: try RunDatabase.openExisting(database.db), run: name, at: checkpoint, fallBackToLast: true,
                                         console: console)
        switch format {
        case .safetensors:
            try run.model.save(to: URL(fileURLWithPath: out))
        case .ctranslate2:
            try CTranslate2Model.write(run.model, pieces: try RunRestore.vocabulary(of: run, path: vocab).vocabulary, to: out)
        case .bundle:
            let manifest = try ModelBundle.write(run, vocabularyPath: vocab, to: out)
            print("wrote \(out): \(manifest.description)")
            return
        }
        print("wrote \(out): run \(name), checkpoint \(run.checkpoint.info.id) (update \(run.checkpoint.info.update)), \(run.model.parameterCount) parameters")
    }
}

import Foundation
import Hashing
import Store

/// A self-contained model directory: the weights (model.safetensors), the BPE model they were
/// trained with (vocab.bpe) and model.json — the run's configuration, where it came from (corpus
/// and vocabulary hashes, nmt version and commit, BLAS, seed), the checkpoint, the run's stored
/// evaluations of that checkpoint and the SHA-256 of both files. `nmt export --format bundle`
/// writes one; `--model DIR` and the bundled models/bible-es-en read one.
public enum ModelBundle {
    public static let modelFile = "model.safetensors"
    public static let vocabularyFile = "vocab.bpe"
    public static let manifestFile = "model.json"
    public static let format = "nmt-model-bundle/1"

    public struct Manifest: Codable, Equatable, Sendable {
        public struct Provenance: Codable, Equatable, Sendable {
            public var tool: String
            public var gitCommit: String
            public var blas: String
            public var seed: UInt64
            public var corpus: [String: File]
            public var vocabularySHA256: String
        }
        public struct File: Codable, Equatable, Sendable {
            public var path: String
            public var sha256: String
        }
        public struct CheckpointReference: Codable, Equatable, Sendable {
            public var id: Int64
            public var update: Int
            public var kind: String
        }
        public struct Evaluation: Codable, Equatable, Sendable {
            public var split: String
            public var bleu: Double
            public var chrF: Double
            public var signature: String
            public var decoding: String
            public var hypothesisSHA256: String
        }
        public var format: String
        /// One line for people and for stderr ("es→en, d 256 3+3 layers, update 2300, test BLEU 21.3 (beam 5)").
        public var description: String
        public var run: String
        public var checkpoint: CheckpointReference
        /// The run's resolved configuration, verbatim (`nmt show NAME` prints the same).
        public var configuration: String
        public var provenance: Provenance
        public var evaluations: [Evaluation]
        /// SHA-256 of the bundle's files by name.
        public var files: [String: String]
    }

    public struct Location: Equatable, Sendable {
        public var directory: URL
        public init(directory: URL) { self.directory = directory }
        public var model: String { directory.appendingPathComponent(ModelBundle.modelFile).path }
        public var vocabulary: String { directory.appendingPathComponent(ModelBundle.vocabularyFile).path }
        public var manifest: String { directory.appendingPathComponent(ModelBundle.manifestFile).path }
        /// Whether the directory holds the two files a model needs.
        public var isComplete: Bool {
            FileManager.default.fileExists(atPath: model) && FileManager.default.fileExists(atPath: vocabulary)
        }
    }

    /// Whether `path` is a directory (then it must be a bundle; a missing file says so when loaded).
    public static func isBundle(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue
    }

    /// Writes the bundle of `run` (its restored checkpoint) to `directory` (created whole or
    /// not at all: `NewDirectory`; in an existing one the three files are replaced, the
    /// manifest last, and loading checks every file's hash). `vocabularyPath` is the run's BPE
    /// model file when it is no longer where the run was trained with it; its hash is checked
    /// against the run's.
    @discardableResult
    public static func write(_ run: RestoredRun, vocabularyPath: String? = nil, to directory: String) throws -> Manifest {
        let vocabularyPath = vocabularyPath ?? run.config.data.vocabulary
        _ = try RunRestore.vocabulary(of: run, path: vocabularyPath)
        var written: Manifest?
        try NewDirectory.write(directory) { folder in
            let location = Location(directory: folder)
            try run.model.save(to: URL(fileURLWithPath: location.model))
            let vocabulary = try Data(contentsOf: URL(fileURLWithPath: vocabularyPath))
            try vocabulary.write(to: URL(fileURLWithPath: location.vocabulary), options: .atomic)

            let info = run.checkpoint.info
            let evaluations = try run.store.evaluations(run: run.name)
                .filter { $0.checkpointID == info.id }
                .map { Manifest.Evaluation(split: $0.split, bleu: $0.bleu, chrF: $0.chrF, signature: $0.signature,
                                           decoding: $0.decodingJSON, hypothesisSHA256: $0.hypothesisSHA256) }
            let record = run.record.run
            var corpus: [String: Manifest.File] = [:]
            for file in record.corpus { corpus[file.role] = Manifest.File(path: file.path, sha256: file.sha256) }
            let manifest = Manifest(
                format: format,
                description: describe(run, corpus: record.corpus, evaluations: evaluations),
                run: run.name,
                checkpoint: .init(id: info.id, update: info.update, kind: info.kind.rawValue),
                configuration: record.configurationJSON,
                provenance: .init(tool: record.toolVersion, gitCommit: record.gitCommit, blas: record.blas, seed: record.seed,
                                  corpus: corpus, vocabularySHA256: record.vocabularySHA256),
                evaluations: evaluations,
                files: [modelFile: try fileSHA256(location.model), vocabularyFile: try fileSHA256(location.vocabulary)])
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try (encoder.encode(manifest) + Data("\n".utf8)).write(to: URL(fileURLWithPath: location.manifest), options: .atomic)
            written = manifest
        }
        return written!
    }

    /// The manifest of a bundle directory.
    public static func manifest(of location: Location) throws -> Manifest {
        guard let data = FileManager.default.contents(atPath: location.manifest) else {
            throw ApplicationError("\(location.manifest): cannot read the bundle's manifest")
        }
        return try manifest(data: data, name: location.manifest)
    }

    /// A manifest's bytes decoded (`name` names them in the error).
    public static func manifest(data: Data, name: String) throws -> Manifest {
        do { return try JSONDecoder().decode(Manifest.self, from: data) } catch {
            throw ApplicationError("\(name): not an nmt model manifest (\(error))")
        }
    }

    /// Checks that the bundle's files are the ones its manifest names (a damaged or partly
    /// replaced bundle says which file differs), and returns the manifest.
    @discardableResult
    public static func verify(_ location: Location) throws -> Manifest {
        let manifest = try manifest(of: location)
        for (name, path) in [(modelFile, location.model), (vocabularyFile, location.vocabulary)] {
            guard let expected = manifest.files[name] else { throw ApplicationError("\(location.manifest): no SHA-256 for \(name)") }
            let actual = try fileSHA256(path)
            if actual != expected { throw ApplicationError("\(path): SHA-256 \(actual) differs from \(expected) in \(location.manifest)") }
        }
        return manifest
    }

    static func fileSHA256(_ path: String) throws -> String {
        guard FileManager.default.fileExists(atPath: path) else { throw ApplicationError("\(path): no such file") }
        guard let data = try? Data(contentsOf: URL(fileURLWithPath: path), options: .mappedIfSafe) else {
            throw ApplicationError("\(path): cannot be read")
        }
        return data.withUnsafeBytes { SHA256.hexDigest(of: $0) }
    }

    static func describe(_ run: RestoredRun, corpus: [CorpusFile], evaluations: [Manifest.Evaluation]) -> String {
        func language(_ role: String) -> String? {
            corpus.first { $0.role == role }.map { URL(fileURLWithPath: $0.path).pathExtension }.flatMap { $0.isEmpty ? nil : $0 }
        }
        var parts: [String] = []
        if let source = language("train.source"), let target = language("train.target") { parts.append("\(source)→\(target)") }
        let model = run.config.model
        parts.append("d \(model.modelDimension), \(model.encoderLayers)+\(model.decoderLayers) layers, \(run.model.parameterCount) parameters")
        parts.append("run \(run.name) update \(run.checkpoint.info.update)")
        if let test = evaluations.last(where: { $0.split == "test" }) {
            let beam = (try? JSONSerialization.jsonObject(with: Data(test.decoding.utf8)) as? [String: Any])?["beam"] as? Int
            parts.append(String(format: "test BLEU %.2f", test.bleu) + (beam.map { " (beam \($0))" } ?? ""))
        }
        return parts.joined(separator: ", ")
    }
}

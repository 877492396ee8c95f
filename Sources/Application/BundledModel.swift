import Foundation

/// The model that ships with nmt: `models/bible-es-en/`, a ModelBundle (Spanish→English, the
/// `make train-small` recipe: weights, BPE model and a manifest with the run's configuration,
/// corpus hashes and test BLEU). translate, serve and score use it when neither --run nor --model is given, so a
/// new user's first `nmt translate` translates without training first.
public enum BundledModel {
    public static let directory = "models/bible-es-en"
    /// Overrides where the bundled model is looked for (a bundle directory, `nmt export --format bundle`).
    public static let environmentVariable = "NMT_MODEL_DIR"

    /// $NMT_MODEL_DIR if set; else `models/bible-es-en` in the executable's directory or its nearest
    /// ancestor that has one (a build in .build/release/ finds its checkout's), else in the current
    /// directory or an ancestor of it.
    public static func locate(environment: [String: String] = ProcessInfo.processInfo.environment,
                              executable: URL? = BundledModel.executableURL(),
                              currentDirectory: URL = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)) throws -> ModelBundle.Location {
        if let override = environment[environmentVariable], !override.isEmpty {
            let location = ModelBundle.Location(directory: URL(fileURLWithPath: override))
            for file in [location.model, location.vocabulary] where !FileManager.default.fileExists(atPath: file) {
                throw ApplicationError("\(environmentVariable)=\(override): \(file) does not exist")
            }
            return location
        }
        let starts = [executable?.deletingLastPathComponent(), currentDirectory].compactMap { $0 }
        for start in starts {
            var directory = start.standardizedFileURL
            while true {
                let location = ModelBundle.Location(directory: directory.appendingPathComponent(Self.directory))
                if location.isComplete { return location }
                let parent = directory.deletingLastPathComponent()
                if parent.path == directory.path { break }
                directory = parent
            }
        }
        throw ApplicationError("no model given and the bundled one (\(Self.directory)/\(ModelBundle.modelFile)) is not beside nmt or in the current directory: pass --run NAME, --model FILE --vocab FILE, or set \(environmentVariable)")
    }

    /// The running executable (Linux: /proc/self/exe, so a symlinked or PATH-found nmt still finds its checkout).
    public static func executableURL() -> URL? {
        if let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            return URL(fileURLWithPath: target)
        }
        return Bundle.main.executableURL
    }

    /// What the manifest says of the model, for stderr.
    public static func summary(of location: ModelBundle.Location) -> String {
        let name = location.directory.lastPathComponent
        guard let manifest = try? ModelBundle.manifest(of: location) else { return "the bundled model \(name) (\(location.directory.path))" }
        return "the bundled model \(name): \(manifest.description)"
    }
}

import Application
import Decoding
import Foundation

/// What GET /model tells a client about the model being served: where it came from, its
/// configuration, the vocabulary's hash and the decoding defaults.
public enum ServedModel {
    public static func json(_ loaded: ModelSource.Loaded, settings: BeamSearch.Settings, maxBeam: Int, int8: Bool = false) throws -> Data {
        let config = try JSONSerialization.jsonObject(with: JSONEncoder().encode(loaded.model.config))
        var document: [String: Any] = [
            "config": config,
            "vocabulary_sha256": loaded.vocabulary.hash,
            "vocabulary_size": loaded.vocabulary.vocabSize,
            "parameters": loaded.model.parameterCount,
            "decoding": ["beam": settings.beam, "lenpen": settings.lenpen, "max_len_a": settings.maxLenA, "max_len_b": settings.maxLenB,
                         "max_beam": maxBeam, "int8": int8] as [String: Any],
        ]
        if let run = loaded.run {
            document["run"] = run.name
            document["checkpoint"] = ["id": run.checkpoint.info.id, "update": run.checkpoint.info.update,
                                      "kind": run.checkpoint.info.kind.rawValue] as [String: Any]
        }
        if let modelFile = loaded.modelFile { document["model_file"] = modelFile }
        if let bundle = loaded.bundle {
            var described: [String: Any] = ["description": bundle.description, "run": bundle.run, "checkpoint_update": bundle.checkpoint.update]
            if let test = bundle.evaluations.last(where: { $0.split == "test" }) { described["test_bleu"] = test.bleu }
            document["bundle"] = described
        }
        return try JSONSerialization.data(withJSONObject: document, options: [.sortedKeys, .withoutEscapingSlashes])
    }
}

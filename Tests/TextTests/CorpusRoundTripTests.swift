import Dispatch
import Foundation
import Testing
import TestSupport
@testable import Text

let packageRoot = Fixtures.packageRoot

/// decode(encode(x)) == normalize(x) on every line of the corpus, both languages, with the
/// committed model. Characters outside its alphabet must come back as "⁇", nothing else changes.
@Suite struct CorpusRoundTripTests {
    @Test func everyCorpusLineRoundTrips() throws {
        let dataDir = packageRoot.appendingPathComponent("data/bible")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dataDir.path)) ?? []
        let files = names.filter { $0.hasSuffix(".es") || $0.hasSuffix(".en") }.sorted()
        try #require(files.contains("train.es") && files.contains("train.en"),
                     "corpus missing: \(dataDir.path)/{train,valid,test}.{es,en} — run `make data` first")
        let model = try BPEModel.load(path: packageRoot.appendingPathComponent("vocab/bible.8k.bpe").path)
        var totalLines = 0
        for name in files {
            let lines = try String(contentsOf: dataDir.appendingPathComponent(name), encoding: .utf8)
                .split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
            #expect(!lines.isEmpty, "\(name) is empty")
            let failures = roundTripFailures(lines, model: model)
            #expect(failures.isEmpty, "\(name): \(failures.count) of \(lines.count) lines do not round-trip, e.g. \(failures.prefix(3))")
            totalLines += lines.count
        }
        #expect(totalLines > 60_000)
    }

    func roundTripFailures(_ lines: [String], model: BPEModel) -> [String] {
        let workers = 2
        var failures = [[String]](repeating: [], count: workers)
        failures.withUnsafeMutableBufferPointer { out in
            nonisolated(unsafe) let out = out
            DispatchQueue.concurrentPerform(iterations: workers) { w in
                let encoder = BPEEncoder(model: model)
                var ids: [Int32] = []
                for i in partition(lines.count, into: workers)[w] {
                    ids.removeAll(keepingCapacity: true)
                    var line = lines[i]
                    let valid = line.withUTF8 { encoder.encodeLine($0, into: &ids) }
                    let expected = normalize(line, form: model.normalization).unicodeScalars
                        .map { $0 == " " || model.characterIds[$0.value] != nil ? String($0) : BPEModel.unknownText }.joined()
                    let decoded = model.decode(ids)
                    // Compare bytes: String == would accept canonically equivalent text.
                    if !valid || Array(decoded.utf8) != Array(expected.utf8) {
                        out[w].append("line \(i + 1): expected \(Array(expected.utf8).count) bytes \"\(expected)\", decoded \(Array(decoded.utf8).count) bytes \"\(decoded)\"")
                    }
                }
            }
        }
        return failures.flatMap { $0 }
    }
}

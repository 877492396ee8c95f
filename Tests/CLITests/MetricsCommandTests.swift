import Foundation
import Store
import Testing
import TestSupport

/// `nmt metrics NAME --format csv|jsonl|tensorboard`.
@Suite(.serialized)
struct MetricsCommandTests {
    @Test func exportsEveryRecordedRowInEachFormat() throws {
        let ws = try TrainingWorkspace(label: "metrics")
        let r = try ws.train("m", ["--lr", "3e-3", "--max-update", "12", "--valid-every", "4", "--log-every", "3", "--eval-bleu"])
        #expect(r.status == 0, "\(r.stderr)")
        let store = try RunStore(path: ws.path("nmt.sqlite"))
        let updates = Set(try store.metrics(run: "m").map(\.update) + store.validations(run: "m").map(\.update)).sorted()
        #expect(updates == [3, 4, 6, 8, 9, 12])

        let csv = try ws.run(["metrics", "m"])
        #expect(csv.status == 0, "\(csv.stderr)")
        let rows = csv.stdout.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false) }
        #expect(rows.first?.prefix(4) == ["update", "epoch", "wall_seconds", "train_loss"])
        #expect(rows.dropFirst().map { Int($0[0])! } == updates)
        #expect(Set(rows.map(\.count)).count == 1, "every row has every column")
        let validLoss = rows[0].firstIndex(of: "valid_loss")!
        let stored = try store.validations(run: "m")
        #expect(rows.dropFirst().filter { !$0[validLoss].isEmpty }.map { Double($0[validLoss])! } == stored.map(\.validLoss),
                "the stored values, exactly")

        let jsonl = try ws.run(["metrics", "m", "--format", "jsonl", "--out", "m.jsonl"])
        #expect(jsonl.status == 0, "\(jsonl.stderr)")
        let objects = try String(contentsOfFile: ws.path("m.jsonl"), encoding: .utf8).split(separator: "\n").map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
        #expect(objects.map { $0["update"] as? Int } == updates)
        #expect(objects.compactMap { $0["valid_bleu"] as? Double }.count == stored.count)
        // `--out -` is standard output, not a file named "-".
        let dash = try ws.run(["metrics", "m", "--format", "jsonl", "--out", "-"])
        let written = try String(contentsOfFile: ws.path("m.jsonl"), encoding: .utf8)
        #expect(dash.status == 0 && dash.stdout == written)
        #expect(!FileManager.default.fileExists(atPath: ws.path("-")))

        for _ in 0..<2 {   // exporting again replaces the file
            let tb = try ws.run(["metrics", "m", "--format", "tensorboard", "--out", "tb/m"])
            #expect(tb.status == 0, "\(tb.stderr)")
        }
        let files = try FileManager.default.contentsOfDirectory(atPath: ws.path("tb/m"))
        #expect(files.count == 1 && files[0].hasPrefix("events.out.tfevents."))
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: ws.path("tb/m/" + files[0]))))
        #expect(bytes.count > 100 && bytes[0] == 24 && String(decoding: bytes[23..<36], as: UTF8.self) == "brain.Event:2")

        for bad in [["metrics", "m", "--format", "xml"], ["metrics", "nobody"], ["metrics", "m", "--format", "tensorboard"],
                    ["metrics", "m", "--out", "no/such/dir/m.csv"]] {
            let e = try ws.run(bad)
            #expect(e.status != 0 && e.errorLines.count == 1, "\(bad): \(e.stderr)")
        }
    }
}

import Foundation
import Store
import Testing
import TestSupport
@testable import Application

/// `nmt metrics`: the merged table, its CSV and JSON lines, and TensorBoard event files equal
/// byte for byte to TensorBoard's own writer (fixture from scripts/reference/make_tensorboard_fixtures.py).
@Suite struct MetricsExportTests {
    @Test func eventFileEqualsTensorBoardsOwnWriter() throws {
        let dir = Fixtures.url("tensorboard")
        let lines = try String(contentsOf: dir.appendingPathComponent("scalars.tsv"), encoding: .utf8)
            .split(separator: "\n").filter { !$0.hasPrefix("#") }
        let scalars = lines.map { line -> TensorBoardEvents.Scalar in
            let f = line.split(separator: "\t").map(String.init)
            return TensorBoardEvents.Scalar(tag: f[0], step: Int(f[1])!, value: Float(f[2])!, wallTime: Double(f[3])!)
        }
        #expect(scalars.count == 8)
        let reference = try [UInt8](Data(contentsOf: dir.appendingPathComponent("reference.tfevents")))
        #expect(TensorBoardEvents.file(scalars, createdAt: 1764547200.25) == reference)
    }

    @Test func crc32cKnownAnswers() {
        // RFC 3720 test vectors (iSCSI): 32 zero bytes and 32 0xFF bytes; "123456789".
        #expect(CRC32C.checksum([UInt8](repeating: 0, count: 32)) == 0x8A91_36AA)
        #expect(CRC32C.checksum([UInt8](repeating: 0xFF, count: 32)) == 0x62A8_AB43)
        #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
    }

    func table() -> MetricsTable {
        let metrics = [10, 20].map { u in
            MetricRow(update: u, epoch: 1, trainLoss: 10 - Double(u) / 10, nll: 9, learningRate: 1e-4 * Double(u), gradientNorm: .infinity,
                      tokensPerSecond: 1000, wallSeconds: Double(u) / 2, rho: nil, r: u == 20 ? 0.5 : nil, warmupFactor: 0.25)
        }
        let validations = [ValidationRow(update: 15, epoch: 1, validLoss: 8.5, nll: 8, perplexity: 2980.96, bleu: 1.25, chrF: 20),
                           ValidationRow(update: 20, epoch: 1, validLoss: 8, nll: 7.5, perplexity: 1808.04)]
        return MetricsTable(metrics: metrics, validations: validations, startedAt: Date(timeIntervalSince1970: 1000))
    }

    @Test func rowsMergeByUpdate() {
        let t = table()
        #expect(t.rows.map(\.update) == [10, 15, 20])
        #expect(t.rows.map(\.wallSeconds) == [5, 5, 10], "a validation between metric rows takes the last row's time")
        let csv = t.csv().split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(csv[0] == "update,epoch," + MetricsTable.columns.map(\.name).joined(separator: ","))
        #expect(csv[1] == "10,1,5.0,9.0,9.0,0.001,inf,1000.0,,,0.25,,,,,")
        #expect(csv[2] == "15,1,5.0,,,,,,,,,8.5,8.0,2980.96,1.25,20.0")
        #expect(csv[3] == "20,1,10.0,8.0,9.0,0.002,inf,1000.0,,0.5,0.25,8.0,7.5,1808.04,,")
        #expect(csv.count == 5 && csv[4] == "")
        let json = t.jsonLines().split(separator: "\n").map(String.init)
        #expect(json[1] == #"{"update":15,"epoch":1,"wall_seconds":5.0,"valid_loss":8.5,"valid_nll":8.0,"valid_ppl":2980.96,"valid_bleu":1.25,"valid_chrf":20.0}"#)
        #expect(json[0].contains(#""grad_norm":null"#) && !json[0].contains("rho_t"))
        for line in json { #expect((try? JSONSerialization.jsonObject(with: Data(line.utf8))) != nil, "\(line)") }
        let events = t.scalarEvents()
        #expect(events.first == TensorBoardEvents.Scalar(tag: "train/loss", step: 10, value: 9, wallTime: 1005))
        #expect(events.filter { $0.tag == "valid/bleu" } == [TensorBoardEvents.Scalar(tag: "valid/bleu", step: 15, value: 1.25, wallTime: 1005)])
        #expect(events.count == 6 + 5 + 10)
    }
}

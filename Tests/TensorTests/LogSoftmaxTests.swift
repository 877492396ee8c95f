import Foundation
import Testing
import TestSupport
@testable import Tensor

/// The one log-softmax agrees with a Double reference and with itself in each of its uses.
@Suite struct LogSoftmaxTests {
    func reference(_ row: [Float]) -> [Double] {
        let m = Double(row.max()!)
        let logZ = m + log(row.reduce(0.0) { $0 + exp(Double($1) - m) })
        return row.map { Double($0) - logZ }
    }

    @Test(arguments: [1, 7, 8, 9, 33, 1000])
    func matchesADoubleReference(n: Int) {
        var rng = SystemRandomNumberGenerator()
        let row = (0..<n).map { _ in Float.random(in: -30...30, using: &rng) }
        let expected = reference(row)
        var normalized = row
        var scratch = [Float](repeating: 0, count: n)
        normalized.withUnsafeMutableBufferPointer { r in
            scratch.withUnsafeMutableBufferPointer { LogSoftmax.normalizeInPlace(r.baseAddress!, n, scratch: $0.baseAddress!) }
        }
        for i in 0..<n {
            #expect(Approximately.equal(Double(normalized[i]), expected[i], relative: 2e-5, absolute: 2e-5), "entry \(i): \(normalized[i]) vs \(expected[i])")
            let single = row.withUnsafeBufferPointer { r in
                scratch.withUnsafeMutableBufferPointer { LogSoftmax.logProbability(of: i, r.baseAddress!, n, scratch: $0.baseAddress!) }
            }
            #expect(Approximately.equal(single, expected[i], relative: 2e-5, absolute: 2e-5), "entry \(i): \(single) vs \(expected[i])")
        }
    }

    @Test func theSumAndItsLogAgree() {
        let row: [Float] = [1, 2, 3, 4, 5, 6, 7, 8, 9]
        var out = [Float](repeating: 0, count: row.count)
        let (sum, logSum) = row.withUnsafeBufferPointer { r in
            out.withUnsafeMutableBufferPointer { LogSoftmax.sumExp(r.baseAddress!, r.count, shift: 9, exponentials: $0.baseAddress!) }
        }
        #expect(abs(Double(sum) - row.reduce(0.0) { $0 + exp(Double($1) - 9) }) < 1e-5)
        #expect(logSum == log(Double(sum)))
        #expect(abs(Double(out[8]) - 1) < 1e-6)
    }
}

import Foundation
import Testing
import TestSupport
@testable import Metrics

/// numpy's default_rng as sacreBLEU uses it, against numpy 2.x's own outputs
/// (scripts/reference/make_rng_fixtures.py → Tests/Fixtures/bleu-stats/rng.json).
@Suite struct NumpyRandomTests {
    static let fixture = try! JSONSerialization.jsonObject(with: Fixtures.data("bleu-stats/rng.json")) as! [String: Any]
    static var seeds: [String] { (fixture["seeds"] as! [String: Any]).keys.sorted() }

    func entry(_ seed: String) -> [String: Any] { (Self.fixture["seeds"] as! [String: Any])[seed] as! [String: Any] }
    func decimals(_ any: Any?) -> [UInt64] { (any as! [String]).map { UInt64($0)! } }

    @Test(arguments: seeds)
    func seedingAndRawOutputsMatchNumpy(seed: String) {
        let e = entry(seed)
        let sequence = NumpySeedSequence(seed: UInt64(seed)!)
        #expect(sequence.pool.map(UInt64.init) == decimals(e["seed_sequence_pool_uint32"]))
        #expect(sequence.generateState64(4) == decimals(e["generate_state_4_uint64"]))
        var rng = NumpyRandom(seed: UInt64(seed)!)
        let state = e["pcg64_state_after_seeding"] as! [String: String]
        #expect(String(rng.state) == state["state"] && String(rng.increment) == state["inc"])
        #expect((0..<8).map { _ in rng.next64() } == decimals(e["random_raw_first_8"]))
        var halves = NumpyRandom(seed: UInt64(seed)!)
        #expect((0..<8).map { _ in UInt64(halves.next32()) } == decimals(e["next_uint32_first_8"]))
    }

    @Test(arguments: seeds)
    func sacreBLEUsDrawsMatchNumpy(seed: String) throws {
        let calls = entry(seed)["calls"] as! [String: [String: Any]]
        var checked = 0
        for (name, call) in calls {
            var rng = NumpyRandom(seed: UInt64(seed)!)
            switch call["kind"] as! String {
            case "bootstrap":
                let n = call["n"] as! Int, k = call["k"] as! Int
                let rows = (0..<k).map { _ in rng.choice(n, count: n) }
                #expect(rows == call["value"] as! [[Int]], "\(name)")
            case "ar":
                let n = call["n"] as! Int, trials = call["trials"] as! Int
                let value = call["value"] as! [String: Any]
                let bits = rng.bools(count: trials * n).map { $0 ? 1 : 0 }
                #expect(stride(from: 0, to: bits.count, by: n).map { Array(bits[$0..<($0 + n)]) } == value["pos_sel"] as! [[Int]], "\(name)")
                if let k = call["n_ar_confidence"] as? Int {
                    #expect((0..<k).map { _ in rng.choice(n, count: n) } == value["bs_idxs"] as! [[Int]], "\(name)")
                }
            case "integers":
                let high = call["high"] as! Int, count = call["count"] as! Int
                #expect(rng.choice(high, count: count) == call["value"] as! [Int], "\(name)")
            case "bootstrap_then_state":
                let n = call["n"] as! Int, k = call["k"] as! Int
                _ = (0..<k).map { _ in rng.choice(n, count: n) }
                let value = call["value"] as! [String: Any]
                #expect(String(rng.next64()) == "\(value["next_random_raw"]!)", "\(name)")
            default:
                continue
            }
            checked += 1
        }
        #expect(checked >= 5)
    }
}

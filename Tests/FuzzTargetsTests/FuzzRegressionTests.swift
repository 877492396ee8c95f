import Foundation
import FuzzTargets
import Testing
import TestSupport

/// Every committed fuzzing input (seeds and the crashes the fuzzer found) is replayed through
/// its reader: none may crash. A directory must name a target, and every target has inputs.
@Suite struct FuzzRegressionTests {
    static let root = Fixtures.url("fuzz")

    static var directories: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? []).filter { $0 != "README.md" }.sorted()
    }

    @Test func everyTargetHasInputsAndEveryDirectoryATarget() {
        #expect(Set(Self.directories) == Set(FuzzTargets.all.keys))
    }

    @Test(arguments: directories)
    func replaysEveryInputWithoutACrash(target: String) throws {
        let run = try #require(FuzzTargets.all[target])
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.root.appendingPathComponent(target).path).sorted()
        #expect(!files.isEmpty)
        for file in files {
            run(Array(try Data(contentsOf: Self.root.appendingPathComponent(target).appendingPathComponent(file))))
        }
    }
}

import Testing
@testable import Corpus

// These run the real diatheke, which `make test` installs (make deps).
@Suite struct DiathekeTests {
    @Test func missingDiathekeNamesThePackage() {
        #expect(throws: DiathekeError.self) { try Diatheke.locate(environment: ["PATH": "/nonexistent"]) }
        let error = DiathekeError.notInstalled(searched: "PATH=/nonexistent")
        #expect("\(error)".contains("sudo apt-get install diatheke"))
        #expect(throws: DiathekeError.notInstalled(searched: "/nonexistent/diatheke")) {
            try Diatheke(executable: "/nonexistent/diatheke").readBible(.worldEnglishBible)
        }
    }

    @Test func missingModuleNamesItsPackage() throws {
        let module = SwordModule(name: "noSuchModule", aptPackage: "sword-text-nosuch")
        let diatheke = try Diatheke.locate()
        #expect(throws: DiathekeError.moduleMissing(module)) { try diatheke.readBible(module) }
        #expect("\(DiathekeError.moduleMissing(module))".hasSuffix("install it with: sudo apt-get install sword-text-nosuch"))
    }
}

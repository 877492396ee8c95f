import Foundation
import Testing
import TestSupport
import Transformer
@testable import Application

/// The CTranslate2 directory equals, byte for byte, what ctranslate2's own spec API writes
/// for the same weights (scripts/reference/ctranslate2_reference.py fixtures).
@Suite struct CTranslate2ModelTests {
    static let pieces = ["<pad>", "<s>", "</s>", "<unk>", "\u{2581}a\u{e9}"] + (5..<50).map { "p\($0)" }

    @Test(arguments: ["postnorm", "prenorm"])
    func theDirectoryEqualsCTranslate2sConverter(variant: String) throws {
        let model = try TransformerModel.load(from: Fixtures.url("transformer/\(variant).weights.safetensors"))
        let scratch = try TemporaryDirectory("ct2")
        try CTranslate2Model.write(model, pieces: Self.pieces, to: scratch.path("model"))
        for file in ["model.bin", "config.json", "shared_vocabulary.json"] {
            let ours = try Data(contentsOf: URL(fileURLWithPath: scratch.path("model/\(file)")))
            let reference = try Fixtures.data("ctranslate2/\(variant)/\(file)")
            #expect(ours == reference, "\(variant)/\(file): \(ours.count) bytes vs \(reference.count)")
        }
    }

    @Test func aliasesFollowValuesNotNames() throws {
        let a = CTranslate2Model.Variable(name: "a", shape: [2], type: .float32, bytes: [Float(0), 1].withUnsafeBytes { Array($0) })
        let b = CTranslate2Model.Variable(name: "b", shape: [2], type: .float32, bytes: [Float(-0.0), 1].withUnsafeBytes { Array($0) })
        let c = CTranslate2Model.Variable(name: "c", shape: [2], type: .float32, bytes: [Float.nan, 1].withUnsafeBytes { Array($0) })
        #expect(CTranslate2Model.same(a, b), "−0 equals 0, as numpy.array_equal says")
        #expect(!CTranslate2Model.same(c, c), "NaN equals nothing")
        #expect(CTranslate2Model.pythonJSONString("a\"\\\u{2581}😀") == #""a\"\\\u2581\ud83d\ude00""#)
    }

    @Test func aVocabularyOfTheWrongSizeIsRefused() throws {
        let model = try TransformerModel.load(from: Fixtures.url("transformer/postnorm.weights.safetensors"))
        let scratch = try TemporaryDirectory("ct2")
        #expect(throws: ApplicationError.self) { try CTranslate2Model.write(model, pieces: ["<pad>"], to: scratch.path("m")) }
    }
}

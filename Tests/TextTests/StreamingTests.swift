import Foundation
import Testing
@testable import Text

@Suite struct StreamingTests {
    func chunks(of text: String, chunkBytes: Int) throws -> [[String]] {
        let path = temporaryPath("lines.txt")
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        let reader = try LineChunkReader(path: path, chunkBytes: chunkBytes)
        var result: [[String]] = []
        var expectedFirst = 1
        while let chunk = try reader.nextChunk() {
            #expect(chunk.firstLineNumber == expectedFirst)
            expectedFirst += chunk.lines.count
            result.append(chunk.lines.map { String(decoding: chunk.bytes[$0], as: UTF8.self) })
        }
        return result
    }

    @Test func readsWholeLinesInBoundedChunks() throws {
        let lines = (0..<1000).map { "line \($0) " + String(repeating: "x", count: $0 % 37) }
        let text = lines.joined(separator: "\n") + "\n"
        let small = try chunks(of: text, chunkBytes: 100)
        #expect(small.count > 10)
        #expect(small.flatMap { $0 } == lines)
        #expect(try chunks(of: text, chunkBytes: 1 << 20).flatMap { $0 } == lines)
    }

    @Test func keepsALastLineWithoutNewlineAndEmptyLines() throws {
        #expect(try chunks(of: "a\n\nb", chunkBytes: 1).flatMap { $0 } == ["a", "", "b"])
        #expect(try chunks(of: "\n\n", chunkBytes: 1).flatMap { $0 } == ["", ""])
        #expect(try chunks(of: "", chunkBytes: 1).isEmpty)
    }

    /// Encodes a file through the parallel processor with tiny chunks and checks the order.
    @Test func parallelEncodingKeepsLineOrder() throws {
        let model = try tinyModel()
        let lines = (0..<500).map { i in ["low", "newest widest", "", "lower low", "x"][i % 5] + (i % 7 == 0 ? " low" : "") }
        let input = temporaryPath("in.txt"), output = temporaryPath("out.txt")
        try (lines.joined(separator: "\n") + "\n").write(toFile: input, atomically: true, encoding: .utf8)
        let outFD = open(output, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        let transforms = (0..<3).map { _ in EncodeLineTransform(model: model, writeIds: true) }
        try ParallelLineProcessor.run(reader: try LineChunkReader(path: input, chunkBytes: 300), inputName: input,
                                      outputFD: outFD, outputName: output, transforms: transforms)
        close(outFD)
        let written = try String(contentsOfFile: output, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        #expect(written.count == lines.count)
        for (line, out) in zip(lines, written) {
            let expected = model.encode(line).map(String.init).joined(separator: " ")
            #expect(String(out) == expected)
        }
        #expect(transforms.reduce(0) { $0 + $1.encoder.unknownCount } == 100)  // "x" on every fifth line
    }

    @Test func invalidUTF8StopsWithTheLineNumber() throws {
        let model = try tinyModel()
        let input = temporaryPath("bad.txt")
        var bytes = Array("low\nlow\n".utf8)
        bytes += [0x6C, 0xFF, 0x0A]
        try Data(bytes).write(to: URL(fileURLWithPath: input))
        let output = temporaryPath("out.txt")
        let outFD = open(output, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        defer { close(outFD) }
        #expect {
            try ParallelLineProcessor.run(reader: try LineChunkReader(path: input), inputName: "in", outputFD: outFD,
                                          outputName: "out", transforms: [EncodeLineTransform(model: model, writeIds: false)])
        } throws: { "\($0)" == "in:3: not valid UTF-8" }
    }
}

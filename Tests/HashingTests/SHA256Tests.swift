import Testing
@testable import Hashing

@Suite struct SHA256Tests {
    @Test func knownVectors() {
        // FIPS 180-4 / NIST example vectors.
        #expect(SHA256.hexDigest(of: "") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256.hexDigest(of: "abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SHA256.hexDigest(of: "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")
            == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }

    @Test func millionAs() {
        var h = SHA256()
        let chunk = [UInt8](repeating: UInt8(ascii: "a"), count: 1000)
        for _ in 0..<1000 { chunk.withUnsafeBytes { h.update($0) } }
        #expect(h.hexDigest() == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test func chunkingDoesNotChangeDigest() {
        let bytes = (0..<1000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        let whole = bytes.withUnsafeBytes { SHA256.hexDigest(of: $0) }
        for split in [1, 3, 63, 64, 65, 500, 999] {
            var h = SHA256()
            bytes[..<split].withUnsafeBytes { h.update($0) }
            h.update(bytes[split...])
            #expect(h.hexDigest() == whole, "split at \(split)")
        }
    }

    /// A copy hashes on by itself (value semantics over the library's context), and
    /// finalising does not end the hash.
    @Test func copiesAreIndependent() {
        var a = SHA256()
        a.update("ab")
        var b = a
        b.update("c")
        #expect(b.hexDigest() == SHA256.hexDigest(of: "abc"))
        #expect(a.hexDigest() == SHA256.hexDigest(of: "ab"))
        a.update("c")
        #expect(a.hexDigest() == SHA256.hexDigest(of: "abc"))
        #expect(a.finalize() == a.finalize())
    }
}

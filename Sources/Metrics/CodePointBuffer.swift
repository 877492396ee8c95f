/// A growable run of code points for the tokenizers' passes. Unlike `[UInt32]`, appending does no
/// uniqueness check, which was a sixth of the tokenizing time; capacity is kept from line to line.
final class CodePointBuffer {
    private(set) var base: UnsafeMutablePointer<UInt32>
    private(set) var count = 0
    private var capacity: Int

    init(capacity: Int = 256) {
        self.capacity = capacity
        base = .allocate(capacity: capacity)
    }

    deinit { base.deallocate() }

    var buffer: UnsafeBufferPointer<UInt32> { UnsafeBufferPointer(start: base, count: count) }

    @inline(__always)
    func removeAll() { count = 0 }

    /// Makes room for `extra` more code points, so the appends that follow need no check.
    @inline(__always)
    func reserve(_ extra: Int) {
        if count + extra > capacity { grow(to: count + extra) }
    }

    private func grow(to needed: Int) {
        var size = capacity * 2
        while size < needed { size *= 2 }
        let bigger = UnsafeMutablePointer<UInt32>.allocate(capacity: size)
        bigger.update(from: base, count: count)
        base.deallocate()
        base = bigger
        capacity = size
    }

    /// Appends without a capacity check: call `reserve` first.
    @inline(__always)
    func appendReserved(_ c: UInt32) {
        base[count] = c
        count += 1
    }

    func append(contentsOf codePoints: UnsafeBufferPointer<UInt32>) {
        reserve(codePoints.count)
        if codePoints.count > 0 { (base + count).update(from: codePoints.baseAddress!, count: codePoints.count) }
        count += codePoints.count
    }

    @inline(__always)
    func contains(_ c: UInt32) -> Bool {
        for i in 0 ..< count where base[i] == c { return true }
        return false
    }
}

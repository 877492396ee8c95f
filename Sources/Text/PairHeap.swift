// Max-heap of pair candidates for BPE learning, with lazy invalidation: an entry records the
// count its pair had when pushed; the learner discards entries whose count is out of date.

struct PairCandidate {
    var count: Int64
    var left: Int32
    var right: Int32
    var pair: Int32

    /// Higher count first; ties go to the smaller left id, then the smaller right id, so the
    /// learned model is the same on every run.
    @inline(__always)
    func precedes(_ other: PairCandidate) -> Bool {
        if count != other.count { return count > other.count }
        if left != other.left { return left < other.left }
        return right < other.right
    }
}

struct PairHeap {
    private var items: [PairCandidate] = []

    var isEmpty: Bool { items.isEmpty }

    mutating func push(_ item: PairCandidate) {
        items.append(item)
        var i = items.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            if !items[i].precedes(items[parent]) { break }
            items.swapAt(i, parent)
            i = parent
        }
    }

    mutating func pop() -> PairCandidate? {
        guard let top = items.first else { return nil }
        let last = items.removeLast()
        if items.isEmpty { return top }
        items[0] = last
        var i = 0
        while true {
            let l = 2 * i + 1, r = l + 1
            var best = i
            if l < items.count && items[l].precedes(items[best]) { best = l }
            if r < items.count && items[r].precedes(items[best]) { best = r }
            if best == i { break }
            items.swapAt(i, best)
            i = best
        }
        return top
    }
}

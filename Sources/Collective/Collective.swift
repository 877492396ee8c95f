/// The processes of one data-parallel job, as training sees them: a rank and a size, sums of
/// buffers over all ranks, a broadcast of bytes from one rank, and a barrier. Training is
/// written against this seam only; MPI is one implementation (`DistributedMPI`), one process
/// on its own is the other (`SingleProcess`), so nothing but the launcher knows about MPI.
///
/// Every rank must make the same calls in the same order (MPI's rule for collectives); the
/// results are the same on every rank.
public protocol Collective: AnyObject {
    var rank: Int { get }
    var size: Int { get }
    /// What runs the job, for logs and `nmt version` ("one process", "Open MPI v4.1.4, 2 ranks").
    var description: String { get }
    /// In place: each element becomes its sum over all ranks.
    func allReduceSum(_ buffer: UnsafeMutableBufferPointer<Float>)
    func allReduceSum(_ buffer: UnsafeMutableBufferPointer<Double>)
    /// In place: `buffer` (the same size on every rank) becomes `root`'s bytes.
    func broadcast(_ buffer: UnsafeMutableRawBufferPointer, root: Int)
    func barrier()
    /// Ends every rank of the job at once (after an error on one of them), with `code`.
    func abort(code: Int32) -> Never
    /// Leaves the job cleanly; the last call a rank makes.
    func finish()
}

extension Collective {
    public var isRoot: Bool { rank == 0 }
    public var isDistributed: Bool { size > 1 }

    /// The sums over all ranks of a few numbers (loss sums, flags).
    public func allReduceSum(_ values: [Double]) -> [Double] {
        var values = values
        values.withUnsafeMutableBufferPointer { allReduceSum($0) }
        return values
    }

    /// `root`'s bytes on every rank, whatever their length (the length goes first).
    public func broadcast(_ bytes: [UInt8], root: Int = 0) -> [UInt8] {
        var count = [Double(bytes.count)]
        count.withUnsafeMutableBytes { broadcast($0, root: root) }
        var result = rank == root ? bytes : [UInt8](repeating: 0, count: Int(count[0]))
        result.withUnsafeMutableBytes { broadcast($0, root: root) }
        return result
    }

    /// Every rank's `bytes`, in rank order, on every rank (one broadcast per rank: meant for
    /// small payloads such as the valid-set translations of each rank's share).
    public func allGather(_ bytes: [UInt8]) -> [[UInt8]] {
        (0..<size).map { broadcast($0 == rank ? bytes : [], root: $0) }
    }
}

/// One process on its own: sums and broadcasts leave the data as it is.
public final class SingleProcess: Collective {
    public init() {}
    public var rank: Int { 0 }
    public var size: Int { 1 }
    public var description: String { "one process" }
    public func allReduceSum(_ buffer: UnsafeMutableBufferPointer<Float>) {}
    public func allReduceSum(_ buffer: UnsafeMutableBufferPointer<Double>) {}
    public func broadcast(_ buffer: UnsafeMutableRawBufferPointer, root: Int) {}
    public func barrier() {}
    public func abort(code: Int32) -> Never { exit(code) }
    public func finish() {}
}

#if canImport(Glibc)
import Glibc
#endif

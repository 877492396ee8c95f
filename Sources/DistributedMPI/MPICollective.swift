import CMPIShim
import Collective
import Foundation

/// The `Collective` of a job started by `mpirun`: one process per rank, MPI_COMM_WORLD.
/// MPI's default error handler is kept (an MPI error aborts the whole job with MPI's own
/// message), so the calls here never return failures.
public final class MPICollective: Collective {
    public let rank: Int
    public let size: Int
    private var finished = false

    /// Buffers go to MPI in pieces of at most this many elements: MPI counts are C ints, and
    /// pieces of a few MiB keep the shared-memory and TCP transports in their fast paths.
    static let chunk = 1 << 22

    /// Starts MPI; call only when `launchedByMPI`.
    public init() throws {
        var r: Int32 = 0, s: Int32 = 0
        guard nmt_mpi_init(&r, &s) == 0 else { throw MPIError("MPI_Init_thread failed") }
        rank = Int(r)
        size = Int(s)
    }

    /// Whether this process was started by an MPI launcher (Open MPI's mpirun sets
    /// OMPI_COMM_WORLD_SIZE; PMI and PMIx launchers, such as MPICH's or Slurm's, set theirs).
    /// Started any other way, nmt runs as one process without initialising MPI at all.
    public static var launchedByMPI: Bool {
        let environment = ProcessInfo.processInfo.environment
        return ["OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_SIZE"].contains { environment[$0] != nil }
    }

    /// The MPI library nmt is linked with, as it names itself ("Open MPI v4.1.4, …").
    public static var libraryVersion: String {
        var buffer = [CChar](repeating: 0, count: 8192)
        let length = buffer.withUnsafeMutableBufferPointer { nmt_mpi_library_version($0.baseAddress, Int32($0.count)) }
        guard length > 0 else { return "unknown MPI library" }
        let text = String(cString: buffer)
        return text.split(separator: ",").first.map { String($0).trimmingCharacters(in: .whitespaces) } ?? text
    }

    public var description: String { "\(Self.libraryVersion), \(size) ranks" }

    public func allReduceSum(_ buffer: UnsafeMutableBufferPointer<Float>) {
        guard let base = buffer.baseAddress else { return }
        for start in stride(from: 0, to: buffer.count, by: Self.chunk) {
            _ = nmt_mpi_allreduce_sum_float(base + start, Int32(min(Self.chunk, buffer.count - start)))
        }
    }

    public func allReduceSum(_ buffer: UnsafeMutableBufferPointer<Double>) {
        guard let base = buffer.baseAddress else { return }
        for start in stride(from: 0, to: buffer.count, by: Self.chunk) {
            _ = nmt_mpi_allreduce_sum_double(base + start, Int32(min(Self.chunk, buffer.count - start)))
        }
    }

    public func broadcast(_ buffer: UnsafeMutableRawBufferPointer, root: Int) {
        guard let base = buffer.baseAddress else { return }
        let bytes = Self.chunk * 4
        for start in stride(from: 0, to: buffer.count, by: bytes) {
            _ = nmt_mpi_broadcast(base + start, Int32(min(bytes, buffer.count - start)), Int32(root))
        }
    }

    public func barrier() { _ = nmt_mpi_barrier() }

    public func abort(code: Int32) -> Never {
        nmt_mpi_abort(code)
        exit(code)
    }

    public func finish() {
        guard !finished else { return }
        finished = true
        _ = nmt_mpi_finalize()
    }
}

public struct MPIError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}

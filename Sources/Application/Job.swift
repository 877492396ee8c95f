import Collective
import DistributedMPI

/// The processes this one trains with: the ranks of an MPI job when `mpirun` (or another MPI
/// launcher) started it, else one process on its own, in which case MPI is never initialised.
public enum Job {
    nonisolated(unsafe) private static var started: Collective?

    /// The job's collective, started on first use.
    public static func collective() throws -> Collective {
        if let started { return started }
        let collective: Collective = MPICollective.launchedByMPI ? try MPICollective() : SingleProcess()
        started = collective
        return collective
    }

    /// Ends the job after an error on this rank: every rank stops at once (MPI_Abort) rather
    /// than waiting for this one forever. One process: plain exit.
    public static func fail(code: Int32) -> Never {
        if let started, started.isDistributed { started.abort(code: code) }
        exit(code)
    }

    /// Leaves the job cleanly (MPI_Finalize), after the last collective call.
    public static func finish() { started?.finish() }

    /// For `nmt version`: whether nmt can run data-parallel and on what.
    public static var mpiDescription: String {
        "MPI: \(MPICollective.libraryVersion) (data-parallel training with mpirun -np N nmt train …)"
    }
}

#if canImport(Glibc)
import Glibc
#endif

#if canImport(Glibc)
import Glibc
#endif
import Training

enum StopSignals {
    /// SIGINT, SIGTERM and SIGUSR1 ask the trainer to finish the update in flight, checkpoint
    /// and mark the run interrupted. SIGUSR1 is for MPI jobs: mpirun passes it on to every rank
    /// as it is, while on SIGTERM or SIGINT it sends the ranks SIGCONT, then SIGTERM
    /// `odls_base_sigkill_timeout` seconds later (1 by default) and SIGKILL as long after that,
    /// often before the update in flight is done (docs/scaling.md, "Faults").
    static func install() {
        signal(SIGINT) { _ in StopSignals.received() }
        signal(SIGTERM) { _ in StopSignals.received() }
        signal(SIGUSR1) { _ in StopSignals.received() }
        // A parent may have spawned us from a thread that blocks signals (thread pools do, and
        // posix_spawn passes the mask on): unblock them, or SIGTERM would never arrive.
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGINT)
        sigaddset(&set, SIGTERM)
        sigaddset(&set, SIGUSR1)
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
    }

    /// What the handler writes to stderr when a signal arrives (nil: nothing). An MPI job's
    /// rank 0 sets it: when a rank dies, mpirun signals the others and kills them a moment
    /// later, while rank 0 may be waiting for the dead rank and can never print again. Kept
    /// as a C string that the handler only reads (write(2) is async-signal-safe).
    nonisolated(unsafe) private static var note: UnsafeMutablePointer<CChar>?

    static func setNote(_ text: String) {
        let copy = strdup(text)
        let old = note
        note = copy   // one aligned word store: the handler sees the old or the new note
        // The old one is not freed: a handler running right now may still be writing it.
        _ = old
    }

    private static func received() {
        Trainer.stopRequested = true
        if let note { _ = write(2, note, strlen(note)) }
    }
}

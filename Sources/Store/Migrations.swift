// The schema lives only here: numbered migrations, applied in order, the count stored in
// `PRAGMA user_version`. Never edit a released migration; append a new one.

enum Migrations {
    static let all: [String] = [
        // 1: runs, metrics, validations, checkpoints, evaluations.
        """
        CREATE TABLE runs (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            config_json TEXT NOT NULL,
            vocabulary_sha256 TEXT NOT NULL,
            seed INTEGER NOT NULL,
            tool_version TEXT NOT NULL,
            git_commit TEXT NOT NULL,
            blas TEXT NOT NULL,
            optimizer TEXT NOT NULL,
            learning_rate REAL NOT NULL,
            warmup_steps INTEGER NOT NULL,
            started_at REAL NOT NULL,
            ended_at REAL,
            status TEXT NOT NULL CHECK (status IN ('running', 'finished', 'failed', 'interrupted'))
        );
        CREATE TABLE run_corpus_files (
            run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
            role TEXT NOT NULL,
            path TEXT NOT NULL,
            sha256 TEXT NOT NULL,
            PRIMARY KEY (run_id, role)
        ) WITHOUT ROWID;
        CREATE TABLE metrics (
            run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
            update_step INTEGER NOT NULL,
            epoch INTEGER NOT NULL,
            train_loss REAL NOT NULL,
            nll REAL NOT NULL,
            learning_rate REAL NOT NULL,
            gradient_norm REAL NOT NULL,
            tokens_per_second REAL NOT NULL,
            wall_seconds REAL NOT NULL,
            rho_t REAL,
            r_t REAL,
            PRIMARY KEY (run_id, update_step)
        ) WITHOUT ROWID;
        CREATE TABLE validations (
            run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
            update_step INTEGER NOT NULL,
            epoch INTEGER NOT NULL,
            valid_loss REAL NOT NULL,
            nll REAL NOT NULL,
            perplexity REAL NOT NULL,
            bleu REAL,
            PRIMARY KEY (run_id, update_step)
        ) WITHOUT ROWID;
        CREATE TABLE checkpoints (
            id INTEGER PRIMARY KEY,
            run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
            update_step INTEGER NOT NULL,
            epoch INTEGER NOT NULL,
            created_at REAL NOT NULL,
            valid_loss REAL,
            kind TEXT NOT NULL,
            weights BLOB NOT NULL,
            weights_sha256 TEXT NOT NULL,
            optimizer BLOB NOT NULL,
            optimizer_sha256 TEXT NOT NULL,
            state BLOB NOT NULL,
            state_sha256 TEXT NOT NULL
        );
        CREATE INDEX checkpoints_by_run ON checkpoints(run_id, update_step);
        CREATE TABLE evaluations (
            id INTEGER PRIMARY KEY,
            run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
            checkpoint_id INTEGER REFERENCES checkpoints(id) ON DELETE SET NULL,
            checkpoint_update INTEGER,
            split TEXT NOT NULL,
            decoding_json TEXT NOT NULL,
            bleu REAL NOT NULL,
            chrf REAL NOT NULL,
            signature TEXT NOT NULL,
            hypothesis_sha256 TEXT NOT NULL,
            created_at REAL NOT NULL
        );
        CREATE INDEX evaluations_by_run ON evaluations(run_id);
        """,
        // 2: the warmup factor ωt of each logged update (1 after warmup; NULL in older rows).
        """
        ALTER TABLE metrics ADD COLUMN warmup_factor REAL;
        """,
        // 3: adaptive-rate diagnostics per parameter group, and |g| histograms.
        """
        CREATE TABLE diagnostics (
            run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
            update_step INTEGER NOT NULL,
            group_name TEXT NOT NULL,
            group_index INTEGER NOT NULL,
            coordinates INTEGER NOT NULL,
            psi_mean REAL,
            psi_variance REAL,
            psi_cv REAL,
            psi_p01 REAL,
            psi_p50 REAL,
            psi_p99 REAL,
            r_t REAL,
            gradient_norm REAL NOT NULL,
            update_norm REAL NOT NULL,
            parameter_norm REAL NOT NULL,
            PRIMARY KEY (run_id, update_step, group_name)
        ) WITHOUT ROWID;
        CREATE TABLE gradient_histograms (
            run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
            update_step INTEGER NOT NULL,
            group_name TEXT NOT NULL,
            counts_json TEXT NOT NULL,
            PRIMARY KEY (run_id, update_step, group_name)
        ) WITHOUT ROWID;
        """,
        // 4: checkpoint kinds are CheckpointKind's cases, enforced by the schema. SQLite cannot
        // add a CHECK to a table, so the table is rebuilt (rows and ids kept); foreign keys are
        // off while migrations run (RunStore.init), so dropping the old table touches no
        // evaluation's checkpoint_id.
        """
        CREATE TABLE checkpoints_v4 (
            id INTEGER PRIMARY KEY,
            run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
            update_step INTEGER NOT NULL,
            epoch INTEGER NOT NULL,
            created_at REAL NOT NULL,
            valid_loss REAL,
            kind TEXT NOT NULL CHECK (kind IN ('periodic', 'epoch', 'final', 'interrupted', 'average')),
            weights BLOB NOT NULL,
            weights_sha256 TEXT NOT NULL,
            optimizer BLOB NOT NULL,
            optimizer_sha256 TEXT NOT NULL,
            state BLOB NOT NULL,
            state_sha256 TEXT NOT NULL
        );
        INSERT INTO checkpoints_v4 (id, run_id, update_step, epoch, created_at, valid_loss, kind, weights, weights_sha256,
                                    optimizer, optimizer_sha256, state, state_sha256)
            SELECT id, run_id, update_step, epoch, created_at, valid_loss, kind, weights, weights_sha256,
                   optimizer, optimizer_sha256, state, state_sha256 FROM checkpoints;
        DROP TABLE checkpoints;
        ALTER TABLE checkpoints_v4 RENAME TO checkpoints;
        CREATE INDEX checkpoints_by_run ON checkpoints(run_id, update_step);
        """,
        // 5: an evaluation keeps its translations (for paired significance tests later).
        """
        ALTER TABLE evaluations ADD COLUMN hypotheses TEXT;
        """,
        // 6: studies (`nmt study`): a named grid of arms × learning rates × seeds, its settings
        // as JSON, and which run is which cell. A cell's outcome is set when its training ended
        // for good in a way that is not an error to retry (e.g. 'diverged').
        """
        CREATE TABLE studies (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            settings_json TEXT NOT NULL,
            commands_json TEXT NOT NULL,
            created_at REAL NOT NULL
        );
        CREATE TABLE study_runs (
            study_id INTEGER NOT NULL REFERENCES studies(id) ON DELETE CASCADE,
            run_id INTEGER NOT NULL UNIQUE REFERENCES runs(id) ON DELETE CASCADE,
            arm TEXT NOT NULL,
            learning_rate REAL NOT NULL,
            seed INTEGER NOT NULL,
            outcome TEXT,
            PRIMARY KEY (study_id, arm, learning_rate, seed)
        ) WITHOUT ROWID;
        """,
        // 7: the best checkpoint by the run's own metric (--best-checkpoint-metric loss, bleu or
        // chrf): each checkpoint taken at a validation keeps that metric's value, oriented so
        // lower is better (loss, −BLEU, −chrF); older rows have none and are ranked by loss.
        // Validations keep their chrF next to BLEU.
        """
        ALTER TABLE checkpoints ADD COLUMN selection_value REAL;
        ALTER TABLE validations ADD COLUMN chrf REAL;
        """,
        // 8: a run's lexical shortlist (`nmt shortlist learn`): candidate target tokens per
        // source token, learned from the run's training pairs, with the settings as JSON.
        """
        CREATE TABLE shortlists (
            run_id INTEGER PRIMARY KEY REFERENCES runs(id) ON DELETE CASCADE,
            settings_json TEXT NOT NULL,
            data BLOB NOT NULL,
            created_at REAL NOT NULL
        );
        """,
        // 9: the adaptive rate's variance over gradient noise (`nmt analyze gradient-noise`, and a
        // study's arms at the updates it names): per update and parameter group, K mini-batch
        // gradients at the same parameters.
        """
        CREATE TABLE gradient_noise (
            run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
            update_step INTEGER NOT NULL,
            group_name TEXT NOT NULL,
            batches INTEGER NOT NULL,
            learning_rate REAL NOT NULL,
            r_t REAL,
            adaptive INTEGER NOT NULL,
            coordinates INTEGER NOT NULL,
            psi_mean REAL NOT NULL,
            psi_variance_mean REAL NOT NULL,
            psi_variance_median REAL NOT NULL,
            psi_cv2_median REAL NOT NULL,
            PRIMARY KEY (run_id, update_step, group_name)
        ) WITHOUT ROWID;
        """,
    ]

    static var latestVersion: Int32 { Int32(all.count) }

    /// Brings `database` to the latest schema in one transaction: a failure leaves it at the
    /// version it had (never half-way), and processes creating or upgrading one database at
    /// once take turns on SQLite's write lock (BEGIN IMMEDIATE, within the busy timeout), each
    /// reading the version again under it, so the later ones find the work done.
    static func migrate(_ database: Database) throws {
        func version() throws -> Int32 { Int32(try database.scalarInt("PRAGMA user_version") ?? 0) }
        func checkNotNewer(_ v: Int32) throws {
            if v > latestVersion { throw StoreError.schemaTooNew(path: database.path, found: v, supported: latestVersion) }
        }
        // Up to date: no write lock is taken (readers of a database in use stay readers).
        let seen = try version()
        try checkNotNewer(seen)
        guard seen < latestVersion else { return }
        try database.transaction {
            let current = try version()
            try checkNotNewer(current)
            do {
                for step in Int(current)..<all.count { try database.execute(all[step]) }
                // PRAGMA takes no bound parameters; the value is our own integer.
                try database.execute("PRAGMA user_version = \(latestVersion)")
            } catch StoreError.sqlite(_, _, let message, _) {
                throw StoreError.migrationFailed(path: database.path, from: current, to: latestVersion, message: message)
            }
        }
    }
}

// swift-tools-version:6.1
import PackageDescription

// One target per concern; dependencies point one way:
// nmt (commands) → Application (what the commands do) → {Training, Decoding, Store, Metrics,
// Text, Corpus} → Transformer → Tensor → CBLAS. Parallelism (the one parallel-for and thread
// cap) and Hashing depend on nothing; every target that runs in parallel uses Parallelism.

// Kernels are written so the optimizer can vectorize them; accuracy tests forbid fast-math.
// Debug builds optimize these targets too: unoptimized kernels are 20–50× slower, which would
// make the end-to-end tests (real training, decoding, corpus building) take many minutes.
//
// Release builds drop bounds and overflow checks (-Ounchecked) only in the numeric kernels
// (`kernels`: Tensor, Transformer, Optim, Decoding, Parallelism, Analysis), which read no
// outside input except through explicit validation. Every target that parses what a user or
// another program hands in — safetensors, BPE files, corpora, SQLite blobs, YAML and configs,
// hypothesis files, HTTP — is built checked (`checked`: -O), so a parsing bug traps instead of
// corrupting memory. What the checks cost was measured A/B (docs/ARCHITECTURE.md, Build).
let kernels: [SwiftSetting] = [
    .unsafeFlags(["-Ounchecked"], .when(configuration: .release)),
    .unsafeFlags(["-O"], .when(configuration: .debug)),
]
let checked: [SwiftSetting] = [
    // Dynamic exclusivity checks (not about input: about overlapping accesses in the code
    // itself) stay on in debug builds, which the tests run; in release they cost chrF 15%.
    .unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release)),
    .unsafeFlags(["-O"], .when(configuration: .debug)),
]

let package = Package(
    name: "nmt",
    products: [
        .executable(name: "nmt", targets: ["nmt"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        // YAML config files (nmt train --config, nmt show --config).
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    ],
    targets: [
        // System libraries.
        .systemLibrary(name: "CBLAS", path: "Sources/CBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CICU", path: "Sources/CICU", pkgConfig: "icu-uc", providers: [.apt(["libicu-dev"])]),
        .systemLibrary(name: "CSQLite", path: "Sources/CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        // ICU behind a plain-C façade (ICU and Foundation cannot share a Swift target).
        .target(name: "CTextNorm", dependencies: ["CICU"], path: "Sources/CTextNorm"),

        .systemLibrary(name: "CCrypto", path: "Sources/CCrypto", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
        .target(name: "Hashing", dependencies: ["CCrypto"], swiftSettings: checked),
        // Data-parallel training: the Collective seam (ranks, all-reduce, broadcast) that
        // Training is written against, and its MPI implementation (Open MPI from Debian) behind
        // a C shim, since MPI's handles are macros Swift cannot import.
        .target(name: "Collective"),
        .systemLibrary(name: "CMPI", path: "Sources/CMPI", pkgConfig: "ompi-c", providers: [.apt(["libopenmpi-dev"])]),
        .target(name: "CMPIShim", dependencies: ["CMPI"], path: "Sources/CMPIShim"),
        .target(name: "DistributedMPI", dependencies: ["CMPIShim", "Collective"]),
        .target(name: "Parallelism", swiftSettings: kernels),
        .target(name: "CDropout", dependencies: ["CISA"], path: "Sources/CDropout", cSettings: [.unsafeFlags(["-O2", "-ffp-contract=off"])]),
        .target(name: "CInt8", path: "Sources/CInt8", cSettings: [.unsafeFlags(["-O2", "-ffp-contract=off"])]),
        .target(name: "CISA", path: "Sources/CISA"),
        .target(name: "CVectorMath", dependencies: ["CISA"], path: "Sources/CVectorMath", cSettings: [.unsafeFlags(["-O2", "-ffp-contract=off"])]),
        .target(name: "CAttention", dependencies: ["CISA"], path: "Sources/CAttention", cSettings: [.unsafeFlags(["-O2", "-ffp-contract=off"])]),
        .target(name: "Tensor", dependencies: ["CBLAS", "CDropout", "CInt8", "CVectorMath", "Parallelism"], swiftSettings: kernels),
        .target(name: "Text", dependencies: ["CTextNorm", "Hashing", "Parallelism"], swiftSettings: checked),
        .target(name: "Corpus", dependencies: ["Hashing", "Parallelism", "Statistics"], swiftSettings: checked),
        .target(name: "Metrics", dependencies: ["Parallelism"], swiftSettings: checked),
        // Seed-level statistics of a study (Student t, paired comparisons, TOST, Holm) and the median.
        .target(name: "Statistics"),
        // The safetensors reader, apart from the model so it is built checked.
        .target(name: "SafeTensors", swiftSettings: checked),
        .target(name: "Transformer", dependencies: ["CAttention", "Tensor", "Parallelism", "SafeTensors"], swiftSettings: kernels),
        .target(name: "Optim", dependencies: ["Parallelism"], swiftSettings: kernels),
        .target(name: "Store", dependencies: ["CSQLite", "Hashing", "Parallelism"], swiftSettings: checked),
        .target(name: "Training", dependencies: ["Transformer", "Tensor", "Optim", "Text", "Hashing", "Store", "Parallelism", "Collective", "Statistics"],
                swiftSettings: checked),
        .target(name: "Decoding", dependencies: ["Transformer", "Tensor", "Parallelism"], swiftSettings: kernels),
        // Simulations and plots about the optimizers, without training (nmt analyze, reports).
        .target(name: "Analysis", dependencies: ["Training", "Optim", "Transformer", "Tensor", "Parallelism"], swiftSettings: kernels),
        // The application: what the commands do (train and resume runs, restore checkpoints,
        // translate, score, average, evaluate), so commands only parse, call and print.
        .target(name: "Application",
                dependencies: ["Training", "Decoding", "Store", "Metrics", "Statistics", "Text", "Corpus", "Transformer", "Tensor", "Optim", "Hashing", "Parallelism", "Analysis",
                               "Collective", "DistributedMPI",
                               .product(name: "Yams", package: "Yams")],
                swiftSettings: checked),
        // nmt serve: the HTTP API over the application's translator, with dynamic batching.
        // Its own HTTP/1.1 layer (parser with hard limits, a thread per connection), so every
        // byte a client sends is bounded and fuzzed here; FlyingFox, used before, had no line
        // or header limits and ended its accept loop when descriptors ran out.
        .target(name: "Serving", dependencies: ["Application", "Decoding"]),
        .executableTarget(
            name: "nmt",
            dependencies: [
                "Application", "Serving", "Tensor", "Text", "Corpus", "Metrics", "Transformer", "Optim", "Store", "Training", "Decoding", "Hashing",
                "Analysis", "Parallelism",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        // The readers of outside input as functions of bytes, fuzzed by `make fuzz` through
        // nmt-fuzz (a libFuzzer binary when built with -DFUZZING -sanitize=fuzzer,address; else
        // it replays inputs); FuzzTargetsTests replays every committed input.
        .target(name: "FuzzTargets", dependencies: ["Application", "Corpus", "Metrics", "SafeTensors", "Serving", "Text"], swiftSettings: checked),
        .executableTarget(name: "nmt-fuzz", dependencies: ["FuzzTargets"]),

        // Model speed benchmark (scripts/bench/30-model.sh).
        .executableTarget(name: "nmt-bench", dependencies: ["Tensor", "Transformer", "CBLAS", "Parallelism"], swiftSettings: kernels),

        // Test helpers shared by every test target: fixtures, self-cleaning temporary
        // directories, approximate equality, the built binary, the small checked-in corpus.
        // zlib, for decoding the PNG screenshots of the report test (Tests only).
        .systemLibrary(name: "CZlib", path: "Tests/CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .target(name: "TestSupport", dependencies: ["CZlib"], path: "Tests/TestSupport"),

        .testTarget(name: "HashingTests", dependencies: ["Hashing", "TestSupport"]),
        .testTarget(name: "TensorTests", dependencies: ["Tensor", "CInt8", "CVectorMath", "Parallelism", "TestSupport"]),
        .testTarget(name: "TextTests", dependencies: ["Text", "TestSupport"]),
        .testTarget(name: "CorpusTests", dependencies: ["Corpus", "TestSupport"]),
        .testTarget(name: "MetricsTests", dependencies: ["Metrics", "TestSupport"]),
        .testTarget(name: "StatisticsTests", dependencies: ["Statistics", "TestSupport"]),
        .testTarget(name: "TransformerTests", dependencies: ["Transformer", "CAttention", "Tensor", "Parallelism", "TestSupport"]),
        .testTarget(name: "OptimTests", dependencies: ["Optim", "TestSupport"]),
        .testTarget(name: "StoreTests", dependencies: ["Store", "TestSupport"]),
        .testTarget(name: "TrainingTests", dependencies: ["Training", "Store", "Tensor", "Collective", "TestSupport"]),
        .testTarget(name: "DecodingTests", dependencies: ["Decoding", "TestSupport"]),
        .testTarget(name: "AnalysisTests", dependencies: ["Analysis", "Optim", "TestSupport"]),
        .testTarget(name: "ApplicationTests", dependencies: ["Application", "Store", "Text", "Transformer", "TestSupport"]),
        .testTarget(name: "CLITests", dependencies: ["nmt", "Store", "Transformer", "TestSupport"]),
        .testTarget(name: "FuzzTargetsTests", dependencies: ["FuzzTargets", "TestSupport"]),
        .testTarget(name: "ServingTests", dependencies: ["Serving", "Application", "Decoding", "TestSupport"]),
    ],
    swiftLanguageModes: [.v5]
)

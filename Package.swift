// swift-tools-version:6.1
import PackageDescription

// One target per concern; dependencies point one way:
// nmt → {Training, Decoding, Store, Metrics, Text, Corpus} → Transformer → Tensor → CBLAS.
// Text, Metrics and Hashing depend on nothing of ours.

// Kernels are written so the optimizer can vectorize them; accuracy tests forbid fast-math.
// Debug builds optimize these targets too: unoptimized kernels are 20–50× slower, which would
// make the end-to-end tests (real training, decoding, corpus building) take many minutes.
let optimized: [SwiftSetting] = [
    .unsafeFlags(["-Ounchecked"], .when(configuration: .release)),
    .unsafeFlags(["-O"], .when(configuration: .debug)),
]

let package = Package(
    name: "nmt",
    products: [
        .executable(name: "nmt", targets: ["nmt"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        // System libraries.
        .systemLibrary(name: "CBLAS", path: "Sources/CBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CICU", path: "Sources/CICU", pkgConfig: "icu-uc", providers: [.apt(["libicu-dev"])]),
        .systemLibrary(name: "CSQLite", path: "Sources/CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        // ICU behind a plain-C façade (ICU and Foundation cannot share a Swift target).
        .target(name: "CTextNorm", dependencies: ["CICU"], path: "Sources/CTextNorm"),

        .target(name: "Hashing", swiftSettings: optimized),
        .target(name: "Tensor", dependencies: ["CBLAS"], swiftSettings: optimized),
        .target(name: "Text", dependencies: ["CTextNorm", "Hashing"], swiftSettings: optimized),
        .target(name: "Corpus", dependencies: ["Hashing"], swiftSettings: optimized),
        .target(name: "Metrics", swiftSettings: optimized),
        .target(name: "Transformer", dependencies: ["Tensor"], swiftSettings: optimized),
        .target(name: "Optim", swiftSettings: optimized),
        .target(name: "Store", dependencies: ["CSQLite", "Hashing"], swiftSettings: optimized),
        .target(name: "Training", dependencies: ["Transformer", "Optim", "Text", "Hashing"], swiftSettings: optimized),
        .target(name: "Decoding", dependencies: ["Transformer"], swiftSettings: optimized),
        // Simulations and plots about the optimizers, without training (nmt analyze, reports).
        .target(name: "Analysis", dependencies: ["Training", "Optim", "Transformer", "Tensor"], swiftSettings: optimized),
        .executableTarget(
            name: "nmt",
            dependencies: [
                "Tensor", "Text", "Corpus", "Metrics", "Transformer", "Optim", "Store", "Training", "Decoding", "Hashing", "Analysis",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        // Model speed benchmark (scripts/bench/30-model.sh).
        .executableTarget(name: "nmt-bench", dependencies: ["Tensor", "Transformer", "CBLAS"], swiftSettings: optimized),

        .testTarget(name: "HashingTests", dependencies: ["Hashing"]),
        .testTarget(name: "TensorTests", dependencies: ["Tensor"]),
        .testTarget(name: "TextTests", dependencies: ["Text"]),
        .testTarget(name: "CorpusTests", dependencies: ["Corpus"]),
        .testTarget(name: "MetricsTests", dependencies: ["Metrics"]),
        .testTarget(name: "TransformerTests", dependencies: ["Transformer", "Tensor"]),
        .testTarget(name: "OptimTests", dependencies: ["Optim"]),
        .testTarget(name: "StoreTests", dependencies: ["Store"]),
        .testTarget(name: "TrainingTests", dependencies: ["Training"]),
        .testTarget(name: "DecodingTests", dependencies: ["Decoding"]),
        .testTarget(name: "AnalysisTests", dependencies: ["Analysis", "Optim"]),
        .testTarget(name: "CLITests", dependencies: ["nmt", "Store"]),
    ],
    swiftLanguageModes: [.v5]
)

// swift-tools-version:6.1
// SessionVault's benchmark suite, kept as its own package so that ordinary builds of the vault
// never resolve or compile the benchmark framework. Run from this directory:
//
//   swift package --allow-writing-to-package-directory benchmark
//
// See README.md for what each benchmark measures and the figures measured here.
import PackageDescription

let package = Package(
    name: "SessionVaultBenchmarks",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(name: "SessionVault", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        // Seal, open and SHA-256 of one chunk at a time, by chunk size: the per-core CPU cost of
        // ingest and retrieval with no I/O.
        .executableTarget(
            name: "SealOpen",
            dependencies: [
                .product(name: "SessionVault", package: "SessionVault"),
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/SealOpen",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        // Whole-vault ingest (every chunk fsync'ed, one catalog commit) and retrieval through the
        // public Vault API, on a temporary vault on the same disk as $TMPDIR: throughput and peak memory.
        .executableTarget(
            name: "Pipeline",
            dependencies: [
                .product(name: "SessionVault", package: "SessionVault"),
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/Pipeline",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ]
)

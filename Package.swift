// swift-tools-version:6.1
import PackageDescription

/// Settings every Swift target shares: Swift 6 language mode (strict concurrency) and no
/// implicit re-export of C modules through public API.
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("InternalImportsByDefault"),
    .enableUpcomingFeature("ExistentialAny"),
]

// Linux only (built and tested on Debian 12): the code calls glibc directly (`Glibc.write`,
// `stat.st_mtim`, `sync_file_range`, `mallopt`) and the system libraries come from Debian
// packages. No `platforms:` entry, so no Apple platform is claimed; a macOS port would guard those
// calls (`#if canImport(Darwin)`) and be tested there first.
let package = Package(
    name: "SessionVault",
    products: [
        .executable(name: "sessionvault", targets: ["sessionvault"]),
        .library(name: "SessionVault", targets: ["SessionVault"]),
        // For Benchmarks/ and Fuzz/, which build against single modules.
        .library(name: "VaultCrypto", targets: ["VaultCrypto"]),
        .library(name: "Retention", targets: ["Retention"]),
        .library(name: "Media", targets: ["Media"]),
        .library(name: "ByteRanges", targets: ["ByteRanges"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1", traits: ["FullFoundation"]),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.35.2"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
    ],
    targets: [
        // System-library shims only.
        .systemLibrary(name: "CSodium", pkgConfig: "libsodium", providers: [.apt(["libsodium-dev"])]),
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(name: "COpus", pkgConfig: "opus", providers: [.apt(["libopus-dev"])]),
        .systemLibrary(name: "CVPX", pkgConfig: "vpx", providers: [.apt(["libvpx-dev"])]),
        .systemLibrary(name: "CYUV", providers: [.apt(["libyuv-dev"])]),
        .systemLibrary(name: "COpenSSL", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),

        // Libraries, by layer.
        // The shared model: identities, records and audit entries every layer above speaks.
        .target(
            name: "VaultModel",
            dependencies: [
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "VaultCrypto",
            dependencies: ["VaultModel", "CSodium", "COpenSSL", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "VaultStore",
            dependencies: [
                "VaultModel",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "VaultIndex",
            dependencies: [
                "VaultModel", "CSQLite",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Retention",
            dependencies: ["VaultModel", .product(name: "TOMLKit", package: "TOMLKit")],
            swiftSettings: swiftSettings
        ),
        .target(name: "Media", dependencies: ["VaultModel", "COpus", "CVPX", "CYUV"], swiftSettings: swiftSettings),
        // Byte ranges as written on the command line and in HTTP (its own module so the range fuzzer builds in seconds).
        .target(name: "ByteRanges", swiftSettings: swiftSettings),
        .target(
            name: "SessionVault",
            dependencies: [
                "VaultModel", "VaultCrypto", "VaultStore", "VaultIndex", "Retention", "Media",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "TOMLKit", package: "TOMLKit"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "VaultServer",
            dependencies: [
                "SessionVault", "VaultCrypto", "VaultIndex", "Retention", "Media", "ByteRanges",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                // OpenID Connect: ID-token signatures (RS256 through CryptoExtras' RSA, ES256 through Crypto's P-256)
                // and the provider's discovery/JWKS/token endpoints over AsyncHTTPClient.
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "sessionvault",
            dependencies: [
                "SessionVault", "VaultServer", "VaultCrypto", "Retention", "Media", "ByteRanges",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),

        // The cost of one erasure in a large tree (Benchmarks/erasure-bench.sh); in this package so it
        // builds with the vault's own build, without the benchmark framework.
        .executableTarget(name: "erasure-bench", dependencies: ["SessionVault", "VaultIndex"], path: "Benchmarks/ErasureBench",
                          swiftSettings: swiftSettings),
        // The AES-256-GCM candidates for sealing chunks side by side (Benchmarks/README.md, "aead-bench"); here for the
        // same reason as erasure-bench, and because it needs the system-library shims, which are not products.
        .executableTarget(name: "aead-bench", dependencies: ["CSodium", "COpenSSL", .product(name: "Crypto", package: "swift-crypto")],
                          path: "Benchmarks/AEADBench", swiftSettings: swiftSettings),

        // Tests, beside the module they test.
        // What several test targets share: child processes that do not block the cooperative pool, a throwaway CA.
        .target(name: "TestSupport", dependencies: ["VaultModel"], path: "Tests/Support/TestSupport", swiftSettings: swiftSettings),
        // Crashes on purpose (SecureBytesTests runs it): a program of its own, not an exit test.
        .executableTarget(name: "secure-memory-probe", dependencies: ["VaultCrypto"], path: "Tests/Support/SecureMemoryProbe",
                          swiftSettings: swiftSettings),
        // A sweep as of a later day through an injected clock (the soak and the crash tests); the shipped CLI has no such thing.
        .executableTarget(name: "test-sweep-as-of", dependencies: ["SessionVault", "Retention"], path: "Tests/Support/SweepAsOf",
                          swiftSettings: swiftSettings),
        // One write path killed at a named crash point through an injected fault injector (the crash tests); the shipped CLI has no such hook.
        .executableTarget(name: "test-crash-at", dependencies: ["SessionVault", "VaultCrypto"], path: "Tests/Support/CrashAt",
                          swiftSettings: swiftSettings),
        // CSodium: the libsodium AES-256-GCM reference that the OpenSSL chunk cipher is cross-checked against.
        .testTarget(name: "VaultCryptoTests", dependencies: ["VaultCrypto", "VaultModel", "TestSupport", "CSodium"], swiftSettings: swiftSettings),
        .testTarget(
            name: "VaultStoreTests",
            dependencies: ["VaultStore", "TestSupport", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "VaultIndexTests", dependencies: ["VaultIndex", "TestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "RetentionTests", dependencies: ["Retention"], swiftSettings: swiftSettings),
        .testTarget(name: "MediaTests", dependencies: ["Media", "VaultModel", "TestSupport"], swiftSettings: swiftSettings),
        .testTarget(
            name: "SessionVaultTests",
            dependencies: ["SessionVault", "VaultCrypto", "VaultStore", "VaultIndex", "Retention", "ByteRanges", "TestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "VaultServerTests",
            dependencies: [
                "VaultServer", "SessionVault", "VaultCrypto", "VaultIndex", "ByteRanges", "TestSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)

// swift-tools-version:6.1
// libFuzzer targets for SessionVault's parsers. Built with `-sanitize=fuzzer` by `make fuzz`;
// kept out of the main package so ordinary builds never pay for the instrumentation.
import PackageDescription

let settings: [SwiftSetting] = [.unsafeFlags(["-parse-as-library"])]

let package = Package(
    name: "SessionVaultFuzz",
    dependencies: [.package(path: "SessionVault")],
    targets: [
        .target(name: "FuzzSupport", path: "Sources/FuzzSupport"),
        .executableTarget(name: "FuzzWebM", dependencies: ["FuzzSupport", .product(name: "Media", package: "SessionVault")], swiftSettings: settings),
        .executableTarget(name: "FuzzSchedule", dependencies: ["FuzzSupport", .product(name: "Retention", package: "SessionVault")], swiftSettings: settings),
        .executableTarget(name: "FuzzChunk", dependencies: ["FuzzSupport", .product(name: "VaultCrypto", package: "SessionVault")], swiftSettings: settings),
        .executableTarget(name: "FuzzRange", dependencies: ["FuzzSupport", .product(name: "ByteRanges", package: "SessionVault")], swiftSettings: settings),
    ]
)

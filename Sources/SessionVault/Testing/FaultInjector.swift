/// What a test does when a vault reaches a ``CrashPoint``: typically stop the process there with
/// SIGKILL, as a power cut or `kill -9` would (Tests/Support/CrashAt).
///
/// Installed only through ``Vault/open(at:clock:faults:)``, which is `@_spi(Testing)`: the shipped
/// program never installs one, reads no environment variable for it, and pays one nil check per point.
@_spi(Testing) public struct FaultInjector: Sendable {
    let reached: @Sendable (CrashPoint) -> Void

    /// An injector that calls `reached` at every crash point the vault passes.
    public init(_ reached: @escaping @Sendable (CrashPoint) -> Void) {
        self.reached = reached
    }
}

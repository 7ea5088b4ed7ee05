public import Foundation

extension Vault {
    /// Opens an existing vault, as ``open(at:clock:)`` does, with `faults` told of every
    /// ``CrashPoint`` this vault (and its copies) reaches. For the crash tests only.
    @_spi(Testing) public static func open(at layout: VaultLayout, clock: @escaping @Sendable () -> Date = { Date() },
                                           faults: FaultInjector) async throws -> Vault {
        let vault = try await open(at: layout, clock: clock)
        vault.memo.installFaultInjector(faults)
        return vault
    }

    /// Tells the installed fault injector, if any, that this path reached `point`.
    func reached(_ point: CrashPoint) {
        memo.faultInjector?.reached(point)
    }
}

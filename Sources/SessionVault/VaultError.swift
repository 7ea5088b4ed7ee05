import Foundation
public import VaultCrypto
public import VaultIndex
public import VaultStore

/// Errors of the layers below, as the vault reports them: the code says which layer, the cause
/// keeps the original.
extension VaultError {
    public static func crypto(_ error: CryptoError) -> VaultError {
        VaultError(.crypto, error.description, cause: error)
    }

    public static func catalogFailed(_ error: CatalogError) -> VaultError {
        VaultError(.catalogFailed, error.description, cause: error)
    }

    public static func storeFailed(_ error: BlobStoreError) -> VaultError {
        VaultError(.storeFailed, error.description, cause: error)
    }

    /// The vault's view of an error from a layer below it: a catalog, blob-store or crypto
    /// failure becomes ``Code/catalogFailed``, ``Code/storeFailed`` or ``Code/crypto`` with the
    /// original as its cause (a vault error is itself); nil for anything else. Front ends use this
    /// so they need not know the layers below.
    public init?(wrapping error: any Error) {
        switch error {
        case let error as VaultError: self = error
        case let error as CatalogError: self = .catalogFailed(error)
        case let error as BlobStoreError: self = .storeFailed(error)
        case let error as CryptoError: self = .crypto(error)
        default: return nil
        }
    }

    /// Whether the failure was a wrong passphrase (said directly, or by the crypto layer).
    public var isWrongPassphrase: Bool {
        code == .wrongPassphrase || (cause as? CryptoError) == .wrongPassphrase
    }
}

/// Runs the body of a public `Vault` operation and reports any failure as a ``VaultError``: the
/// vault's own errors pass unchanged, a lower layer's is wrapped with it as the cause, and so is
/// anything else (a reader's or sink's failure), so callers branch on one type.
func vaultBoundary<T>(_ body: () async throws -> T) async throws(VaultError) -> T {
    do {
        return try await body()
    } catch {
        throw VaultError(boundary: error)
    }
}

/// ``vaultBoundary(_:)`` for synchronous operations.
func vaultBoundary<T>(_ body: () throws -> T) throws(VaultError) -> T {
    do {
        return try body()
    } catch {
        throw VaultError(boundary: error)
    }
}

extension VaultError {
    /// Any error as the vault reports it (see ``vaultBoundary(_:)``).
    init(boundary error: any Error) {
        if let known = VaultError(wrapping: error) {
            self = known
        } else if error is CancellationError {
            self = VaultError(.cancelled, "the operation was cancelled", cause: error)
        } else {
            self = VaultError(.unexpected, "\(error)", cause: error)
        }
    }
}

import ArgumentParser
import Foundation
import SessionVault
import VaultCrypto

/// Exit codes that scripts can rely on.
enum ExitStatus {
    static let failure: Int32 = 1
    /// A role, consent or passphrase did not allow the operation.
    static let refused: Int32 = 3
    /// Stored data failed verification.
    static let integrity: Int32 = 4
    /// The recording, role, request or vault does not exist.
    static let notFound: Int32 = 5
}

extension AsyncParsableCommand {
    /// Runs a command body, turning the vault's typed errors into one clear line on stderr and a
    /// documented exit code.
    func reportingErrors(_ body: () async throws -> Void) async throws {
        do {
            try await body()
        } catch let error as AgeError {
            note("sessionvault: error: \(error.description)")
            throw ExitCode(ExitStatus.failure)
        } catch let error as TarWriterError {
            note("sessionvault: error: \(error.description)")
            throw ExitCode(ExitStatus.failure)
        } catch {
            guard let vaultError = VaultError(wrapping: error) else { throw error }
            note("sessionvault: error: \(vaultError.description)")
            throw ExitCode(Self.exitStatus(for: vaultError))
        }
    }

    static func exitStatus(for error: VaultError) -> Int32 {
        switch error {
        case .noWrap, .noConsent, .wrongPassphrase, .passphraseMissing, .noActiveScope, .timeNotBorrowable, .officerRefused: return ExitStatus.refused
        case .subjectAccessReviewRequired, .accessReviewRefused, .accessReviewIncomplete, .accessReviewNotSignedOff, .accessReviewStale:
            return ExitStatus.refused
        case .manifestTampered, .chunkTampered, .chunkMissing, .accessReviewTampered: return ExitStatus.integrity
        case .recordingNotFound, .vaultNotFound, .unknownRole, .notLive, .requestNotFound, .accessReviewNotFound, .noSuchUser: return ExitStatus.notFound
        case .crypto(let inner): return inner == .wrongPassphrase ? ExitStatus.refused : ExitStatus.failure
        default: return ExitStatus.failure
        }
    }
}

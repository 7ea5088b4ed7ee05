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
            note("sessionvault: error: \(Self.wording(of: vaultError))")
            throw ExitCode(Self.exitStatus(for: vaultError))
        }
    }

    /// The vault's sentence, plus the command that helps where there is one. The advice is chosen
    /// by the error's code and appended to the vault's sentence, never spliced into its text, so a
    /// rewording in the library cannot silently drop it.
    static func wording(of error: VaultError) -> String {
        let subject = error.subject ?? ""
        switch error.code {
        case .vaultNotFound:
            return "\(error.message) (create one with `sessionvault init --vault \(subject)`, or set SESSIONVAULT_DIR)"
        case .passphraseMissing: return "\(error.message): set SESSIONVAULT_PASSPHRASE or pass --passphrase-file FILE"
        case .unknownRole where error.names.isEmpty: return "\(error.message): add one with `sessionvault role add NAME`"
        case .roleExists: return "\(error.message) (use `sessionvault role rotate \(subject)` for a new key)"
        case .scopeRoleMissing: return "\(error.message): run `sessionvault role add \(subject)`"
        case .noConsent: return "\(error.message); record it first with `sessionvault consent record --session \(subject) ...`"
        case .consentNeedsKeyHolder where error.recording == nil:
            return "\(error.message). Unlock such a role with --unlock-role (e.g. the records officer's) and try again"
        case .scheduleChanged: return "\(error.message): run `sessionvault fsck --repair`"
        case .consentRegisterAltered: return "\(error.message); `sessionvault fsck` lists every session whose consent register cannot be trusted"
        case .weakPassphrase: return "\(error.message): choose at least \(PassphraseStrength.minimumLength) characters, e.g. several random words"
        case .timeNotBorrowable: return "\(error.message) (`sweep --dry-run --now \(subject)`)"
        case .requestNotFound: return "\(error.message) (list them with `sessionvault request ls --all`)"
        case .subjectAccessReviewRequired: return "\(error.message); draft a review with `export subject --patient ... --review`"
        case .accessReviewNotFound: return "\(error.message) (`export review ls` lists them)"
        case .accessReviewNotSignedOff: return "\(error.message) (`export review sign-off \(error.number ?? 0)`)"
        case .accessReviewStale: return "\(error.message): draft a new review with `export subject --patient ... --review`"
        case .legalHoldNotApplied: return "\(error.message); run `sessionvault hold sync` when the store is reachable"
        default: return error.message
        }
    }

    static func exitStatus(for error: VaultError) -> Int32 {
        switch error.code {
        case .noWrap, .noConsent, .wrongPassphrase, .passphraseMissing, .noActiveScope, .timeNotBorrowable, .officerRefused, .notOnCareList,
             .uploadNotAllowed:
            return ExitStatus.refused
        case .subjectAccessReviewRequired, .accessReviewRefused, .accessReviewIncomplete, .accessReviewNotSignedOff, .accessReviewStale:
            return ExitStatus.refused
        case .manifestTampered, .chunkTampered, .chunkMissing, .accessReviewTampered, .consentRegisterAltered: return ExitStatus.integrity
        case .recordingNotFound, .vaultNotFound, .unknownRole, .notLive, .requestNotFound, .accessReviewNotFound, .noSuchUser: return ExitStatus.notFound
        case .crypto: return error.isWrongPassphrase ? ExitStatus.refused : ExitStatus.failure
        default: return ExitStatus.failure
        }
    }
}

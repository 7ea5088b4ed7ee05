import Foundation
public import Retention
public import VaultCrypto
public import VaultIndex
public import VaultStore

/// Everything that can go wrong in the vault, with the context an operator needs: which
/// recording, which chunk, which role, which file. Never a key, a passphrase, plaintext or a
/// clear patient identifier.
public enum VaultError: Error, CustomStringConvertible {
    // Set-up
    case vaultNotFound(path: String)
    case vaultExists(path: String)
    case config(path: String, line: Int?, message: String)
    /// The retention schedule file is not the one the stored due dates were computed with
    /// (`recorded` nil: none was ever recorded, e.g. a vault made before this check existed).
    case scheduleChanged(path: String, recorded: String?, current: String)
    case passphraseMissing(purpose: String)
    case passphraseFile(path: String, reason: String)
    case keyring(path: String, reason: String)
    case wrongPassphrase(what: String)

    // Roles and consent
    case unknownRole(String, known: [String])
    case roleExists(String)
    case invalidName(what: String, value: String, rule: String)
    case scopeRoleMissing(scope: String, role: String)
    case unknownScope(String, known: [String])
    case noConsent(session: String)
    case consentPatientMismatch(session: String)
    case noActiveScope(session: String, scope: String)
    /// A consent change gives `roles` access to recordings already stored; re-wrapping their keys
    /// needs a role that can open them (`holder` nil: none was given; else that role holds no key for `recording`).
    case consentNeedsKeyHolder(session: String, roles: [String], recordings: Int, holder: String?, recording: RecordingID?)

    // Service users
    /// A user of this name exists, or once did (revoked names are not reused).
    case userExists(String)
    /// No active user of this name.
    case noSuchUser(String)
    /// An upload to a session whose patient is not on the uploader's care list.
    case notOnCareList(session: String)

    // Recordings
    case recordingNotFound(String)
    case noWrap(role: String, recording: RecordingID, scopes: [String])
    case manifestTampered(recording: RecordingID, reason: String)
    case chunkTampered(recording: RecordingID, chunk: Int, reason: String)
    /// The (authenticated) manifest names a chunk format this version cannot read.
    case unsupportedFormat(recording: RecordingID, format: Int, segmentSize: Int?)
    case chunkMissing(recording: RecordingID, chunk: Int)
    case rangeNotSatisfiable(range: String, size: Int64)
    case invalidRange(String)
    case input(path: String, reason: String)
    case output(path: String, reason: String)
    case invalidArgument(String)
    case notLive(recording: RecordingID, state: String)
    /// A sweep that would change something was asked to act as of another day than today.
    case timeNotBorrowable(asOf: String, today: String)
    /// A privileged act without the officer's proof: no such active officer, a role not allowed the
    /// act, a wrong passphrase, or a key that is not the one recorded for them.
    case officerRefused(name: String, reason: String)
    /// A capture date that cannot be: after today, or unreadable.
    case invalidCaptureDate(String, reason: String)
    /// An FOI reporting period that cannot be read, or a day range that is not one.
    case invalidReportingPeriod(String, reason: String)
    /// FOI figures asked for a period that has not ended yet (its last day is today or later).
    case reportingPeriodNotEnded(period: String, lastDay: String, today: String)

    // The request register
    /// No request with this id in the register.
    case requestNotFound(Int64)
    /// A change to a request's clock that its law does not allow (see ``RequestClock``); nothing changed.
    case requestRefused(id: Int64, RequestClockError)
    // Subject access
    /// `export subject` without a review, for a patient whose bundle holds items that need a
    /// decision first (recordings of sessions with other participants).
    case subjectAccessReviewRequired(flagged: [String])
    case accessReviewNotFound(Int64)
    /// A change the review's state does not allow (signed off, an opinion already recorded, an
    /// item withheld on a health professional's opinion...), or an item it does not have.
    case accessReviewRefused(review: Int64, reason: String)
    /// Sign-off of a review that lacks something; each entry says what.
    case accessReviewIncomplete(review: Int64, missing: [String])
    /// Release of a review that was not signed off.
    case accessReviewNotSignedOff(review: Int64)
    /// The patient's recordings changed since the review was drafted; each entry says how.
    case accessReviewStale(review: Int64, changes: [String])
    /// The signed-off review in the catalog does not verify against the officer's signature.
    case accessReviewTampered(review: Int64, reason: String)

    // Layers below
    case storeFailed(BlobStoreError)
    /// The catalog recorded a hold change but the blob store's legal hold could not be made to match.
    case legalHoldNotApplied(recording: RecordingID, held: Bool, context: String, reason: String)
    case catalogFailed(CatalogError)
    case crypto(CryptoError)

    public var description: String {
        switch self {
        case .vaultNotFound(let path):
            return "no vault at '\(path)' (create one with `sessionvault init --vault \(path)`, or set SESSIONVAULT_DIR)"
        case .vaultExists(let path): return "a vault already exists at '\(path)'; refusing to overwrite it"
        case .config(let path, let line, let message):
            return "configuration '\(path)'\(line.map { ", line \($0)" } ?? ""): \(message)"
        case .passphraseMissing(let purpose):
            return "a passphrase is needed to \(purpose): set SESSIONVAULT_PASSPHRASE or pass --passphrase-file FILE"
        case .passphraseFile(let path, let reason): return "cannot read passphrase file '\(path)': \(reason)"
        case .keyring(let path, let reason): return "keyring file '\(path)' is unusable: \(reason)"
        case .wrongPassphrase(let what): return "wrong passphrase for \(what)"
        case .unknownRole(let role, let known):
            return "unknown role '\(role)'" + (known.isEmpty ? " (no roles yet: `sessionvault role add NAME`)" : " (known roles: \(known.joined(separator: ", ")))")
        case .roleExists(let role): return "role '\(role)' already exists (use `sessionvault role rotate \(role)` for a new key)"
        case .invalidName(let what, let value, let rule): return "invalid \(what) '\(value)': \(rule)"
        case .scopeRoleMissing(let scope, let role):
            return "consent scope '\(scope)' allows role '\(role)', but that role has no key yet: run `sessionvault role add \(role)`"
        case .unknownScope(let scope, let known): return "unknown consent scope '\(scope)' (configured scopes: \(known.joined(separator: ", ")))"
        case .noConsent(let session):
            return "session '\(session)' has no recorded consent that covers recording; record it first with `sessionvault consent record --session \(session) ...`"
        case .consentPatientMismatch(let session): return "session '\(session)' already has consent from a different patient"
        case .noActiveScope(let session, let scope):
            return "session '\(session)' has no active consent for scope '\(scope)' (a recording of class '\(scope)' needs it)"
        case .consentNeedsKeyHolder(let session, let roles, let recordings, let holder, let recording):
            let gives = "this consent gives role(s) \(roles.joined(separator: ", ")) access to \(recordings) recording(s) of session '\(session)' already stored"
            if let holder, let recording {
                return "\(gives), but role '\(holder)' holds no key for recording \(recording) to re-wrap it with; nothing was changed"
            }
            return "\(gives): re-wrapping their keys needs a role that can open them; unlock one with --unlock-role (e.g. the records officer's role). Nothing was changed"
        case .userExists(let name): return "user '\(name)' already exists (revoked names are not reused)"
        case .noSuchUser(let name): return "no active user '\(name)'"
        case .notOnCareList(let session): return "session '\(session.prefix(64))' is not for a patient on your care list"
        case .recordingNotFound(let id): return "no recording '\(id)'"
        case .noWrap(let role, let recording, let scopes):
            return "role '\(role)' holds no key for recording \(recording) (consented scopes: \(scopes.isEmpty ? "none" : scopes.joined(separator: ", ")))"
        case .manifestTampered(let recording, let reason): return "recording \(recording): manifest failed verification: \(reason)"
        case .chunkTampered(let recording, let chunk, let reason): return "recording \(recording), chunk \(chunk): failed verification: \(reason)"
        case .scheduleChanged(let path, let recorded, let current):
            let was = recorded.map { "recorded \($0.prefix(12))" } ?? "none recorded"
            return "the retention schedule '\(path)' (sha256 \(current.prefix(12))) is not the one the stored due dates follow (\(was)): "
                + "nothing is destroyed until `sessionvault fsck --repair` has brought every due date into line with it"
        case .unsupportedFormat(let recording, let format, let segmentSize):
            return "recording \(recording): chunk format \(format)\(segmentSize.map { " with \($0)-byte segments" } ?? "") is not one this version reads (formats 1 and 2, segments of 4 KiB to 16 MiB); upgrade sessionvault"
        case .chunkMissing(let recording, let chunk): return "recording \(recording), chunk \(chunk): blob is missing from the store"
        case .rangeNotSatisfiable(let range, let size): return "range \(range) is outside the recording (\(size) bytes)"
        case .invalidRange(let text): return "invalid range '\(text)': expected START-END, START- or -SUFFIX (bytes, inclusive)"
        case .input(let path, let reason): return "cannot read input '\(path)': \(reason)"
        case .output(let path, let reason): return "cannot write output '\(path)': \(reason)"
        case .invalidArgument(let message): return message
        case .notLive(let recording, let state): return "recording \(recording) is \(state), not live"
        case .timeNotBorrowable(let asOf, let today):
            return "a sweep destroys only as of today (\(today)), never as of \(asOf): a later date is for a dry run only (`sweep --dry-run --now \(asOf)`)"
        case .invalidCaptureDate(let text, let reason): return "invalid capture date '\(text)': \(reason)"
        case .invalidReportingPeriod(let text, let reason):
            return text.isEmpty ? "no reporting period: \(reason)" : "invalid reporting period '\(text)': \(reason)"
        case .reportingPeriodNotEnded(let period, let lastDay, let today):
            return "reporting period \(period) has not ended (its last day is \(lastDay), today is \(today)); "
                + "figures are published only for complete periods"
        case .officerRefused(let name, let reason): return "officer '\(name)' refused: \(reason)"
        case .requestNotFound(let id): return "no request \(id) in the register (list them with `sessionvault request ls --all`)"
        case .requestRefused(let id, let reason): return "request \(id) not changed: \(reason)"
        case .subjectAccessReviewRequired(let flagged):
            return "\(flagged.count) recording(s) of this patient had other participants (\(flagged.joined(separator: ", "))): "
                + "they are released only after a records officer's decision; draft a review with `export subject --patient ... --review`"
        case .accessReviewNotFound(let id): return "no subject-access review \(id) (`export review ls` lists them)"
        case .accessReviewRefused(let id, let reason): return "subject-access review \(id): \(reason)"
        case .accessReviewIncomplete(let id, let missing):
            return "subject-access review \(id) cannot be signed off yet; it still needs: \(missing.joined(separator: "; "))"
        case .accessReviewNotSignedOff(let id):
            return "subject-access review \(id) is a draft, not signed off: nothing is released until an officer signs it off (`export review sign-off \(id)`)"
        case .accessReviewStale(let id, let changes):
            return "subject-access review \(id) no longer matches the patient's recordings (\(changes.joined(separator: "; "))): "
                + "draft a new review with `export subject --patient ... --review`"
        case .accessReviewTampered(let id, let reason): return "subject-access review \(id) failed verification: \(reason); nothing was released"
        case .storeFailed(let error): return error.description
        case .legalHoldNotApplied(let recording, let held, let context, let reason):
            return "\(context), but the blob store's legal hold on recording \(recording) could not be \(held ? "set" : "lifted"): \(reason); "
                + "run `sessionvault hold sync` when the store is reachable"
        case .catalogFailed(let error): return error.description
        case .crypto(let error): return error.description
        }
    }
}

extension VaultError {
    /// The vault's view of an error from a layer below it: a catalog, blob-store or crypto
    /// failure becomes ``catalogFailed(_:)``, ``storeFailed(_:)`` or ``crypto(_:)`` (a vault error is itself);
    /// nil for anything else. Front ends use this so they need not know the layers below.
    public init?(wrapping error: any Error) {
        switch error {
        case let error as VaultError: self = error
        case let error as CatalogError: self = .catalogFailed(error)
        case let error as BlobStoreError: self = .storeFailed(error)
        case let error as CryptoError: self = .crypto(error)
        default: return nil
        }
    }
}

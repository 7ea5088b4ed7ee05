/// The one error type of the vault: what kind of failure (``Code``, stable for callers to branch
/// on), a sentence naming the problem, and its context (which recording, chunk, role, session,
/// file or request). Never a key, a passphrase, plaintext or a clear patient identifier.
///
/// The message is the vault's own; it carries no command syntax. A front end adds its own advice
/// by code (the CLI names the command to run, the service chooses a status).
public struct VaultError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure this is.
    public enum Code: String, Sendable, Hashable, CaseIterable {
        // Set-up
        case vaultNotFound, vaultExists, config
        /// The retention schedule file is not the one the stored due dates were computed with.
        case scheduleChanged
        case passphraseMissing, passphraseFile, keyring, wrongPassphrase
        /// A new passphrase is too short or too common to protect a key.
        case weakPassphrase
        /// Patient identifiers need the pseudonym key, which only officers hold.
        case pseudonymKeyWithheld
        // Roles, consent and users
        case unknownRole, roleExists, invalidName, scopeRoleMissing, unknownScope
        case noConsent, consentPatientMismatch, noActiveScope
        /// A session's consent register differs from what an officer signed (edited outside the vault), or is unsigned.
        case consentRegisterAltered
        /// A consent change gives roles access to stored recordings, and no role able to re-wrap them was given.
        case consentNeedsKeyHolder
        case userExists, noSuchUser
        /// A sign-in through the identity provider that the vault's own user records do not allow
        /// (no such user, a revoked one, or a role the provider's groups do not grant).
        case signInRefused
        /// An upload to a session whose patient is not on the uploader's care list.
        case notOnCareList
        /// An upload by a user whose role the configuration does not allow to upload.
        case uploadNotAllowed
        // Recordings
        case recordingNotFound, noWrap, manifestTampered, chunkTampered
        /// The (authenticated) manifest names a chunk format this version cannot read.
        case unsupportedFormat
        case chunkMissing, rangeNotSatisfiable, invalidRange, input, output, invalidArgument, notLive
        /// Free text bound for the audit trail (a purpose, a reason, a note) holds a control or bidi character.
        case invalidText
        /// A sweep that would change something was asked to act as of another day than today.
        case timeNotBorrowable
        /// A privileged act without the officer's proof.
        case officerRefused
        case invalidCaptureDate, invalidReportingPeriod, reportingPeriodNotEnded
        // Requests and subject access
        case requestNotFound, requestRefused
        case subjectAccessReviewRequired, accessReviewNotFound, accessReviewRefused, accessReviewIncomplete
        case accessReviewNotSignedOff, accessReviewStale, accessReviewTampered
        // Layers below
        case storeFailed
        /// The catalog recorded a hold change but the blob store's legal hold could not be made to match.
        case legalHoldNotApplied
        case catalogFailed, crypto
        /// The task was cancelled.
        case cancelled
        /// A failure of something the vault was handed (a reader, a sink) that it has no code for; the cause says what.
        case unexpected
    }

    /// What kind of failure this is.
    public var code: Code
    /// A sentence naming the problem, in the vault's words.
    public var message: String
    /// The recording concerned, when there is one.
    public var recording: RecordingID?
    /// The chunk concerned, when there is one.
    public var chunk: Int?
    /// The thing the error names: a path, role, scope, session, user, officer or the text given.
    public var subject: String?
    /// A number the error is about: a request's or subject-access review's, or a file's line.
    public var number: Int64?
    /// Names that help: the known roles or scopes, the consented scopes, what is missing or changed.
    public var names: [String]
    /// Why, in a few words (a verification's finding, a rule broken).
    public var reason: String?
    /// The error from the layer below, when there is one.
    public var cause: (any Error)?

    /// Creates an error; most are made by the named constructors below.
    public init(_ code: Code, _ message: String, recording: RecordingID? = nil, chunk: Int? = nil, subject: String? = nil,
                number: Int64? = nil, names: [String] = [], reason: String? = nil, cause: (any Error)? = nil) {
        self.code = code
        self.message = message
        self.recording = recording
        self.chunk = chunk
        self.subject = subject
        self.number = number
        self.names = names
        self.reason = reason
        self.cause = cause
    }

    public var description: String { message }
}

extension VaultError {
    // Set-up
    public static func vaultNotFound(path: String) -> VaultError { VaultError(.vaultNotFound, "no vault at '\(path)'", subject: path) }
    public static func vaultExists(path: String) -> VaultError {
        VaultError(.vaultExists, "a vault already exists at '\(path)'; refusing to overwrite it", subject: path)
    }
    public static func config(path: String, line: Int?, message: String) -> VaultError {
        VaultError(.config, "configuration '\(path)'\(line.map { ", line \($0)" } ?? ""): \(message)", subject: path,
                   number: line.map { Int64($0) }, reason: message)
    }
    /// `recorded` nil: no schedule was ever recorded (a vault made before this check existed).
    /// `names` holds the current schedule's digest, then the recorded one's.
    public static func scheduleChanged(path: String, recorded: String?, current: String) -> VaultError {
        let was = recorded.map { "recorded \($0.prefix(12))" } ?? "none recorded"
        return VaultError(.scheduleChanged, "the retention schedule '\(path)' (sha256 \(current.prefix(12))) is not the one the stored due dates follow (\(was)): "
                          + "nothing is destroyed until a repair has brought every due date into line with it",
                          subject: path, names: [current] + (recorded.map { [$0] } ?? []))
    }
    public static func passphraseMissing(purpose: String) -> VaultError {
        VaultError(.passphraseMissing, "a passphrase is needed to \(purpose)", reason: purpose)
    }
    public static func passphraseFile(path: String, reason: String) -> VaultError {
        VaultError(.passphraseFile, "cannot read passphrase file '\(path)': \(reason)", subject: path, reason: reason)
    }
    public static func keyring(path: String, reason: String) -> VaultError {
        VaultError(.keyring, "keyring file '\(path)' is unusable: \(reason)", subject: path, reason: reason)
    }
    /// `what` names what the passphrase would protect; `reason` says why it is refused. Never the passphrase.
    public static func weakPassphrase(what: String, reason: String) -> VaultError {
        VaultError(.weakPassphrase, "the new passphrase for \(what) is too weak (\(reason)); nothing was created", subject: what, reason: reason)
    }
    public static func wrongPassphrase(what: String) -> VaultError { VaultError(.wrongPassphrase, "wrong passphrase for \(what)", subject: what) }

    // Roles, consent and users
    public static func unknownRole(_ role: String, known: [String]) -> VaultError {
        VaultError(.unknownRole, "unknown role '\(role)'" + (known.isEmpty ? " (no roles yet)" : " (known roles: \(known.joined(separator: ", ")))"),
                   subject: role, names: known)
    }
    public static func roleExists(_ role: String) -> VaultError { VaultError(.roleExists, "role '\(role)' already exists", subject: role) }
    public static func invalidName(what: String, value: String, rule: String) -> VaultError {
        VaultError(.invalidName, "invalid \(what) '\(value)': \(rule)", subject: value, reason: rule)
    }
    public static func scopeRoleMissing(scope: String, role: String) -> VaultError {
        VaultError(.scopeRoleMissing, "consent scope '\(scope)' allows role '\(role)', but that role has no key yet", subject: role, names: [scope])
    }
    public static func unknownScope(_ scope: String, known: [String]) -> VaultError {
        VaultError(.unknownScope, "unknown consent scope '\(scope)' (configured scopes: \(known.joined(separator: ", ")))", subject: scope, names: known)
    }
    public static func noConsent(session: String) -> VaultError {
        VaultError(.noConsent, "session '\(session)' has no recorded consent that covers recording", subject: session)
    }
    public static func consentPatientMismatch(session: String) -> VaultError {
        VaultError(.consentPatientMismatch, "session '\(session)' already has consent from a different patient", subject: session)
    }
    public static func noActiveScope(session: String, scope: String) -> VaultError {
        VaultError(.noActiveScope, "session '\(session)' has no active consent for scope '\(scope)' (a recording of class '\(scope)' needs it)",
                   subject: session, names: [scope])
    }
    /// The consent rows of `session` are not what an officer last signed: edited, added or deleted
    /// outside the vault, or never signed in a vault whose consent changes need an officer.
    public static func consentRegisterAltered(session: String, reason: String) -> VaultError {
        VaultError(.consentRegisterAltered, "the consent register of session '\(session)' cannot be trusted: \(reason); nothing was changed",
                   subject: session, reason: reason)
    }
    /// `holder` nil: no key-holding role was given; else that role holds no key for `recording`.
    public static func consentNeedsKeyHolder(session: String, roles: [String], recordings: Int, holder: String?, recording: RecordingID?) -> VaultError {
        let gives = "this consent gives role(s) \(roles.joined(separator: ", ")) access to \(recordings) recording(s) of session '\(session)' already stored"
        if let holder, let recording {
            return VaultError(.consentNeedsKeyHolder, "\(gives), but role '\(holder)' holds no key for recording \(recording) to re-wrap it with; nothing was changed",
                              recording: recording, subject: session, names: roles, reason: holder)
        }
        return VaultError(.consentNeedsKeyHolder, "\(gives): re-wrapping their keys needs a role that can open them; nothing was changed",
                          subject: session, names: roles)
    }
    public static func userExists(_ name: String) -> VaultError {
        VaultError(.userExists, "user '\(name)' already exists (revoked names are not reused)", subject: name)
    }
    public static func noSuchUser(_ name: String) -> VaultError { VaultError(.noSuchUser, "no active user '\(name)'", subject: name) }
    /// `reason`: why the vault refused the sign-in, in a few words.
    public static func signInRefused(_ name: String, reason: String) -> VaultError {
        VaultError(.signInRefused, "sign-in of '\(name)' refused: \(reason)", subject: name, reason: reason)
    }
    /// `allowed`: the roles that may upload.
    public static func uploadNotAllowed(role: String, allowed: [String]) -> VaultError {
        VaultError(.uploadNotAllowed, "role '\(role)' may not upload recordings"
                   + (allowed.isEmpty ? " (no role may upload to this vault)" : " (roles that may: \(allowed.joined(separator: ", ")))"),
                   subject: role, names: allowed)
    }
    public static func notOnCareList(session: String) -> VaultError {
        VaultError(.notOnCareList, "session '\(session.prefix(64))' is not for a patient on your care list", subject: session)
    }

    // Recordings
    public static func recordingNotFound(_ id: String) -> VaultError { VaultError(.recordingNotFound, "no recording '\(id)'", subject: id) }
    public static func noWrap(role: String, recording: RecordingID, scopes: [String]) -> VaultError {
        VaultError(.noWrap, "role '\(role)' holds no key for recording \(recording) (consented scopes: \(scopes.isEmpty ? "none" : scopes.joined(separator: ", ")))",
                   recording: recording, subject: role, names: scopes)
    }
    public static func manifestTampered(recording: RecordingID, reason: String) -> VaultError {
        VaultError(.manifestTampered, "recording \(recording): manifest failed verification: \(reason)", recording: recording, reason: reason)
    }
    public static func chunkTampered(recording: RecordingID, chunk: Int, reason: String) -> VaultError {
        VaultError(.chunkTampered, "recording \(recording), chunk \(chunk): failed verification: \(reason)", recording: recording, chunk: chunk, reason: reason)
    }
    public static func unsupportedFormat(recording: RecordingID, format: Int, segmentSize: Int?) -> VaultError {
        VaultError(.unsupportedFormat, "recording \(recording): chunk format \(format)\(segmentSize.map { " with \($0)-byte segments" } ?? "") "
                   + "is not one this version reads (formats 1 and 2, segments of 4 KiB to 16 MiB)", recording: recording)
    }
    public static func chunkMissing(recording: RecordingID, chunk: Int) -> VaultError {
        VaultError(.chunkMissing, "recording \(recording), chunk \(chunk): blob is missing from the store", recording: recording, chunk: chunk)
    }
    public static func rangeNotSatisfiable(range: String, size: Int64) -> VaultError {
        VaultError(.rangeNotSatisfiable, "range \(range) is outside the recording (\(size) bytes)", subject: range)
    }
    public static func invalidRange(_ text: String) -> VaultError {
        VaultError(.invalidRange, "invalid range '\(text)': expected START-END, START- or -SUFFIX (bytes, inclusive)", subject: text)
    }
    public static func input(path: String, reason: String) -> VaultError {
        VaultError(.input, "cannot read input '\(path)': \(reason)", subject: path, reason: reason)
    }
    public static func output(path: String, reason: String) -> VaultError {
        VaultError(.output, "cannot write output '\(path)': \(reason)", subject: path, reason: reason)
    }
    public static func invalidArgument(_ message: String) -> VaultError { VaultError(.invalidArgument, message) }
    /// `field` names the text (e.g. "hold reason"); `character` is the offending scalar as `U+XXXX`.
    /// The text itself is not repeated: it may hold a patient's details.
    public static func invalidText(field: String, character: String) -> VaultError {
        VaultError(.invalidText, "the \(field) contains \(character), a control or text-direction character; write it as plain text",
                   subject: field, reason: character)
    }
    public static func notLive(recording: RecordingID, state: String) -> VaultError {
        VaultError(.notLive, "recording \(recording) is \(state), not live", recording: recording, reason: state)
    }
    public static func timeNotBorrowable(asOf: String, today: String) -> VaultError {
        VaultError(.timeNotBorrowable, "a sweep destroys only as of today (\(today)), never as of \(asOf): a later date is for a dry run only",
                   subject: asOf, names: [today])
    }
    public static func officerRefused(name: String, reason: String) -> VaultError {
        VaultError(.officerRefused, "officer '\(name)' refused: \(reason)", subject: name, reason: reason)
    }
    /// The pseudonym key is held by officers, and none who holds it is acting.
    public static func pseudonymKeyWithheld(actor: String) -> VaultError {
        VaultError(.pseudonymKeyWithheld, "patient identifiers are turned into pseudonyms only by an officer who holds the pseudonym key "
                   + "(it is no longer sealed under the vault passphrase); '\(actor)' does not hold it", subject: actor)
    }
    /// A privileged act asked for without an officer's proof, where one is required.
    public static func officerRequired(privilege: String, actor: String) -> VaultError {
        VaultError(.officerRefused, "to \(privilege) an officer must prove who they are ('\(actor)' is not a proven officer)",
                   subject: actor, names: [privilege], reason: "no officer's proof")
    }
    public static func invalidCaptureDate(_ text: String, reason: String) -> VaultError {
        VaultError(.invalidCaptureDate, "invalid capture date '\(text)': \(reason)", subject: text, reason: reason)
    }
    public static func invalidReportingPeriod(_ text: String, reason: String) -> VaultError {
        VaultError(.invalidReportingPeriod, text.isEmpty ? "no reporting period: \(reason)" : "invalid reporting period '\(text)': \(reason)",
                   subject: text, reason: reason)
    }
    public static func reportingPeriodNotEnded(period: String, lastDay: String, today: String) -> VaultError {
        VaultError(.reportingPeriodNotEnded, "reporting period \(period) has not ended (its last day is \(lastDay), today is \(today)); "
                   + "figures are published only for complete periods", subject: period, names: [lastDay, today])
    }

    // Requests and subject access
    public static func requestNotFound(_ id: Int64) -> VaultError { VaultError(.requestNotFound, "no request \(id) in the register", number: id) }
    /// A change to a request's clock that its law does not allow; nothing changed.
    public static func requestRefused(id: Int64, _ reason: any Error) -> VaultError {
        VaultError(.requestRefused, "request \(id) not changed: \(reason)", number: id, reason: "\(reason)", cause: reason)
    }
    /// Recordings of sessions with other participants need an officer's decision first.
    public static func subjectAccessReviewRequired(flagged: [String]) -> VaultError {
        VaultError(.subjectAccessReviewRequired, "\(flagged.count) recording(s) of this patient had other participants (\(flagged.joined(separator: ", "))): "
                   + "they are released only after a records officer's decision in a subject-access review", names: flagged)
    }
    public static func accessReviewNotFound(_ id: Int64) -> VaultError { VaultError(.accessReviewNotFound, "no subject-access review \(id)", number: id) }
    public static func accessReviewRefused(review: Int64, reason: String) -> VaultError {
        VaultError(.accessReviewRefused, "subject-access review \(review): \(reason)", number: review, reason: reason)
    }
    public static func accessReviewIncomplete(review: Int64, missing: [String]) -> VaultError {
        VaultError(.accessReviewIncomplete, "subject-access review \(review) cannot be signed off yet; it still needs: \(missing.joined(separator: "; "))",
                   number: review, names: missing)
    }
    public static func accessReviewNotSignedOff(review: Int64) -> VaultError {
        VaultError(.accessReviewNotSignedOff, "subject-access review \(review) is a draft, not signed off: nothing is released until an officer signs it off",
                   number: review)
    }
    public static func accessReviewStale(review: Int64, changes: [String]) -> VaultError {
        VaultError(.accessReviewStale, "subject-access review \(review) no longer matches the patient's recordings (\(changes.joined(separator: "; ")))",
                   number: review, names: changes)
    }
    public static func accessReviewTampered(review: Int64, reason: String) -> VaultError {
        VaultError(.accessReviewTampered, "subject-access review \(review) failed verification: \(reason); nothing was released", number: review, reason: reason)
    }

    // Layers below
    public static func legalHoldNotApplied(recording: RecordingID, held: Bool, context: String, reason: String) -> VaultError {
        VaultError(.legalHoldNotApplied, "\(context), but the blob store's legal hold on recording \(recording) could not be \(held ? "set" : "lifted"): \(reason)",
                   recording: recording, subject: held ? "set" : "lifted", reason: reason)
    }
}

import Foundation
import Retention
public import VaultCrypto
public import VaultIndex

/// A patient's consent to record a session for one or more purposes (scopes).
public struct ConsentRequest: Sendable {
    public var session: String
    /// The patient's identifier (e.g. NHS number). Stored only as a keyed-hash pseudonym plus a
    /// copy sealed to the records officer.
    public var patientIdentifier: String
    public var scopes: [String]
    /// Where the consent is evidenced (form reference, note of oral consent).
    public var evidence: String?
    /// The date consent was given (`YYYY-MM-DD`); today if nil.
    public var givenOn: String?
    /// Other people took part (group or family session): copies need redaction review before release.
    public var otherParticipants: Bool

    public init(session: String, patientIdentifier: String, scopes: [String], evidence: String? = nil, givenOn: String? = nil,
                otherParticipants: Bool = false) {
        self.session = session
        self.patientIdentifier = patientIdentifier
        self.scopes = scopes
        self.evidence = evidence
        self.givenOn = givenOn
        self.otherParticipants = otherParticipants
    }
}

extension Vault {
    /// The role that holds the sealed copy of patient identifiers and consent evidence.
    func recordsRole() async throws -> RoleRecord {
        guard let name = config.alwaysWrap.first else {
            throw VaultError.config(path: layout.configFile.path, line: nil, message: "always_wrap must name the records officer's role")
        }
        guard let role = try await catalog.role(named: name) else { throw VaultError.scopeRoleMissing(scope: "always_wrap", role: name) }
        return role
    }

    static func validateSession(_ session: String) throws {
        let ok = session.utf8.allSatisfy { c in
            (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z")) || (c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z"))
                || (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9")) || c == UInt8(ascii: "-") || c == UInt8(ascii: "_") || c == UInt8(ascii: ".")
        }
        guard !session.isEmpty, session.count <= 128, ok else {
            throw VaultError.invalidName(what: "session id", value: String(session.prefix(40)), rule: "use 1-128 letters, digits, '-', '_' or '.'")
        }
    }

    /// Records consent scopes for a session. Needs the vault passphrase (to compute the patient's pseudonym).
    @discardableResult
    public func recordConsent(_ request: ConsentRequest, vaultPassphrase: SecureBytes, actor: String = Vault.defaultActor) async throws -> [ConsentRecord] {
        try Self.validateSession(request.session)
        let identifier = request.patientIdentifier.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !identifier.isEmpty else { throw VaultError.invalidArgument("the patient identifier is empty") }
        guard !request.scopes.isEmpty else { throw VaultError.invalidArgument("give at least one --scope (\(config.scopes.keys.sorted().joined(separator: ", ")))") }
        for scope in request.scopes where config.scopes[scope] == nil {
            throw VaultError.unknownScope(scope, known: config.scopes.keys.sorted())
        }
        let givenOn = try request.givenOn.map { (text) throws -> String in
            guard let date = CivilDate(text) else { throw VaultError.invalidArgument("invalid --date '\(text)': expected YYYY-MM-DD") }
            guard date <= CivilDate(clock()) else { throw VaultError.invalidArgument("consent date \(text) is in the future") }
            return text
        } ?? today()
        let records = try await recordsRole()
        let recordsKey = try RolePublicKey(bytes: records.publicKey)
        let secrets = try keyring.unlockVaultSecrets(passphrase: vaultPassphrase)
        let pseudonym = secrets.pseudonymKey.pseudonym(of: identifier)
        if try await catalog.patient(pseudonym) == nil {
            let sealed = try Array(identifier.utf8).withUnsafeBytes { try SealedBox.seal($0, to: recordsKey) }
            try await catalog.upsertPatient(PatientRecord(pseudonym: pseudonym, identifierSealed: sealed))
        }
        let existing = try await catalog.consents(session: request.session)
        if let other = existing.first, other.patient != pseudonym { throw VaultError.consentPatientMismatch(session: request.session) }
        let evidence = try request.evidence.map { text in try Array(text.utf8).withUnsafeBytes { try SealedBox.seal($0, to: recordsKey) } }
        let now = clock()
        let rows = Array(Set(request.scopes)).sorted().map { scope in
            ConsentRecord(session: request.session, patient: pseudonym, scope: scope, evidenceSealed: evidence, givenOn: givenOn, recordedAt: now,
                          otherParticipants: request.otherParticipants)
        }
        // (The catalog re-checks the patient inside its transaction, against a concurrent writer.)
        try await catalog.recordConsents(rows, audit: AuditDraft(actor: actor, action: "consent.record", target: request.session,
                                                                 detail: "scopes \(rows.map(\.scope).joined(separator: ",")) given \(givenOn)"))
        return try await catalog.consents(session: request.session).filter { $0.isActive }
    }

    /// The patient's pseudonym (needs the vault passphrase).
    public func pseudonym(ofPatient identifier: String, vaultPassphrase: SecureBytes) throws -> String {
        try keyring.unlockVaultSecrets(passphrase: vaultPassphrase).pseudonymKey.pseudonym(of: identifier)
    }
}

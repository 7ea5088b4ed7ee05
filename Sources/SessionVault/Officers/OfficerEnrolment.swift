public import Foundation
public import VaultCrypto
import VaultIndex

/// Officers' enrolments: who vouched for each officer key, back to the vault's first officer.
///
/// An insider who can write the catalog can insert a user row with a key of their own; what they
/// cannot make is a signature by an officer already enrolled. The first officer signs their own
/// enrolment and their public key becomes the vault's *officer anchor*, kept in the keyring
/// (`keyring/officer-anchor`) and, for the processes that act on officers' decisions, pinned from
/// outside the vault's files (`SESSIONVAULT_OFFICER_ANCHOR` or `--officer-anchor`), because whoever
/// can rewrite the catalog can rewrite the keyring too. Every officer proof and every signed
/// decision is then checked along that chain; every officer on it must still be active.
extension Vault {
    /// The file in which the vault keeps its officer anchor (hex).
    public var officerAnchorFile: URL { layout.keyringDirectory.appendingPathComponent("officer-anchor") }

    /// This vault with `anchor` pinned as its officer anchor, whatever the keyring holds.
    public func pinningOfficerAnchor(_ anchor: [UInt8]) -> Vault {
        var copy = self
        copy.pinnedOfficerAnchor = anchor
        return copy
    }

    /// The officer anchor in force: the pinned one, else the keyring's, else none (a vault with no
    /// officer yet, or one whose officers were enrolled before enrolments were signed).
    public func officerAnchor() throws(VaultError) -> [UInt8]? {
        if let pinnedOfficerAnchor { return pinnedOfficerAnchor }
        let path = officerAnchorFile.path
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        guard let text = try? String(contentsOfFile: path, encoding: .utf8),
              let key = Hex.decode(text.trimmingCharacters(in: .whitespacesAndNewlines)), key.count == SigningKeyPair.publicKeySize else {
            throw VaultError.keyring(path: path, reason: "the officer anchor is not a 64-digit hex Ed25519 public key")
        }
        return key
    }

    /// Parses an anchor given from outside: 64 hex digits, or a file holding them.
    public static func parseOfficerAnchor(_ text: String) throws(VaultError) -> [UInt8] {
        var value = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if Hex.decode(value) == nil, FileManager.default.fileExists(atPath: value) {
            value = ((try? String(contentsOfFile: value, encoding: .utf8)) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        }
        guard let key = Hex.decode(value), key.count == SigningKeyPair.publicKeySize else {
            throw VaultError.invalidArgument("the officer anchor must be 64 hex digits (an Ed25519 public key) or a file holding them")
        }
        return key
    }

    /// The bytes an enrolment signs.
    func enrolmentStatement(name: String, role: String, key: [UInt8]) -> [UInt8] {
        Array("sessionvault officer enrolment v1\0".utf8) + Array(config.vaultID.utf8) + [0] + Array(name.utf8) + [0]
            + Array(role.utf8) + [0] + key
    }

    /// Why `user`'s officer key cannot be trusted, or nil if its enrolments lead to the anchor
    /// through officers still active. With no anchor, nil (the vault predates anchors; see ``adoptOfficerAnchor(by:)``).
    func enrolmentRefusal(of user: UserRecord) async throws -> String? {
        guard let anchor = try officerAnchor() else { return nil }
        let users = try await catalog.users()
        var current = user
        var seen: Set<String> = []
        while true {
            guard let key = current.signingKey else { return "'\(current.name)' is not an officer" }
            // (The officer's own revocation is the caller's to judge: a decision signed before it stands.)
            guard current.name == user.name || current.revokedAt == nil else {
                return "'\(current.name)', who enrolled an officer on the chain, was revoked"
            }
            guard let enrolment = current.enrolment, enrolment.count == 96 else { return "officer '\(current.name)' has no signed enrolment" }
            let endorser = Array(enrolment.prefix(32))
            guard SigningKeyPair.verify(signature: Array(enrolment.suffix(64)),
                                        message: enrolmentStatement(name: current.name, role: current.role, key: key), publicKey: endorser) else {
                return "the enrolment of officer '\(current.name)' does not verify (altered)"
            }
            if endorser == key {
                return key == anchor ? nil : "officer '\(current.name)' vouched for themselves but is not the vault's officer anchor"
            }
            guard seen.insert(current.name).inserted, let next = users.first(where: { $0.signingKey == endorser }) else {
                return "the officer who enrolled '\(current.name)' is not an officer of this vault"
            }
            current = next
        }
    }

    /// Signs the enrolment of active officer `name` as `authority`'s officer (after a revocation
    /// broke their chain, or for officers enrolled before enrolments were signed).
    public func endorseOfficer(_ name: String, by authority: Authority) async throws(VaultError) {
        try await vaultBoundary {
            let actor = try await authorize(authority, for: .manageUsers)
            guard let officer = authority.officer else { throw VaultError.officerRequired(privilege: OfficerPrivilege.manageUsers.rawValue, actor: actor) }
            guard let user = try await catalog.user(named: name), user.revokedAt == nil, let key = user.signingKey else {
                throw VaultError.noSuchUser(name)
            }
            let enrolment = officer.publicKey + officer.sign(enrolmentStatement(name: name, role: user.role, key: key))
            try await catalog.setUserEnrolment(name, enrolment: enrolment, audit: AuditDraft(
                actor: actor, action: .officerEndorse, target: "user:" + name, detail: "officer key \(Hex.encode(key)) endorsed"))
        }
    }

    /// Makes `authority`'s own officer the vault's officer anchor: for a vault whose officers were
    /// enrolled before enrolments were signed, or whose anchor was revoked. Refused while another
    /// active officer is the anchor. Returns the anchor, to be pinned outside the vault.
    public func adoptOfficerAnchor(by authority: Authority) async throws(VaultError) -> [UInt8] {
        try await vaultBoundary {
            guard let officer = authority.officer else {
                throw VaultError.officerRequired(privilege: "adopt the officer anchor", actor: authority.actor)
            }
            guard officer.role == "records-officer" else {
                throw VaultError.officerRefused(name: officer.name, reason: "only a records officer may be the vault's officer anchor")
            }
            if let current = try officerAnchor(), current != officer.publicKey,
               try await catalog.users().contains(where: { $0.signingKey == current && $0.revokedAt == nil }) {
                throw VaultError.officerRefused(name: officer.name, reason: "the vault already has an active officer anchor")
            }
            let enrolment = officer.publicKey + officer.sign(enrolmentStatement(name: officer.name, role: officer.role, key: officer.publicKey))
            try await catalog.setUserEnrolment(officer.name, enrolment: enrolment, audit: AuditDraft(
                actor: officer.actor, action: .officerEndorse, target: "user:" + officer.name,
                detail: "became the officer anchor \(Hex.encode(officer.publicKey))"))
            try writeOfficerAnchor(officer.publicKey)
            _ = try await sealUnsealedConsentRegisters(as: officer, reason: "became the officer anchor")
            return officer.publicKey
        }
    }

    func writeOfficerAnchor(_ key: [UInt8]) throws {
        try FileManager.default.createDirectory(at: layout.keyringDirectory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        try AtomicFile.write(Array((Hex.encode(key) + "\n").utf8), to: officerAnchorFile, mode: 0o644)
    }
}

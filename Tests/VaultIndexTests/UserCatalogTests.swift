import Foundation
import Testing
import VaultIndex

/// The users part of the ``Catalog`` contract, checked on every backend.
@Suite("User catalog", .timeLimit(.minutes(30)))
struct UserCatalogTests {
    static func user(_ name: String, hash: UInt8, patients: [String] = ["p2", "p1"]) -> UserRecord {
        UserRecord(name: name, role: "clinician", tokenHash: [UInt8](repeating: hash, count: 32), patients: patients,
                   createdAt: Date(timeIntervalSince1970: 1_800_000_000))
    }

    static func audit(_ action: String, _ target: String) -> AuditDraft { AuditDraft(actor: "test", recordedAction: action, target: target) }

    @Test(arguments: CatalogBackend.enabled)
    func addedUserIsFoundByNameAndByTokenHashWithSortedCareList(_ backend: CatalogBackend) async throws {
        try await backend.withCatalog { catalog in
            try await catalog.addUser(Self.user("alice", hash: 1), audit: Self.audit("user.add", "alice"))
            let byName = try #require(try await catalog.user(named: "alice"))
            #expect(byName.role == "clinician")
            #expect(byName.patients == ["p1", "p2"])
            #expect(byName.isActive)
            #expect(byName.createdAt == Date(timeIntervalSince1970: 1_800_000_000))
            #expect(try await catalog.user(tokenHash: [UInt8](repeating: 1, count: 32)) == byName)
            #expect(try await catalog.user(tokenHash: [UInt8](repeating: 2, count: 32)) == nil)
            #expect(try await catalog.user(named: "bob") == nil)
        }
    }

    @Test(arguments: CatalogBackend.enabled)
    func aTakenNameOrTokenHashIsRefused(_ backend: CatalogBackend) async throws {
        try await backend.withCatalog { catalog in
            try await catalog.addUser(Self.user("alice", hash: 1), audit: Self.audit("user.add", "alice"))
            await #expect(throws: CatalogError.alreadyExists(what: "user", id: "alice")) {
                try await catalog.addUser(Self.user("alice", hash: 3), audit: Self.audit("user.add", "alice"))
            }
            await #expect {
                try await catalog.addUser(Self.user("bob", hash: 1), audit: Self.audit("user.add", "bob"))
            } throws: { if case .constraint? = $0 as? CatalogError { true } else { false } }
            #expect(try await catalog.users().map(\.name) == ["alice"])
        }
    }

    @Test(arguments: CatalogBackend.enabled)
    func revokingAUserKeepsTheRowButMarksItRevokedOnce(_ backend: CatalogBackend) async throws {
        try await backend.withCatalog { catalog in
            try await catalog.addUser(Self.user("alice", hash: 1), audit: Self.audit("user.add", "alice"))
            try await catalog.addUser(Self.user("bob", hash: 2, patients: []), audit: Self.audit("user.add", "bob"))
            let when = Date(timeIntervalSince1970: 1_800_000_100)
            try await catalog.revokeUser("alice", at: when, audit: Self.audit("user.revoke", "alice"))
            let alice = try #require(try await catalog.user(tokenHash: [UInt8](repeating: 1, count: 32)))
            #expect(!alice.isActive)
            #expect(alice.revokedAt == when)
            await #expect(throws: CatalogError.notFound(what: "active user", id: "alice")) {
                try await catalog.revokeUser("alice", at: when, audit: Self.audit("user.revoke", "alice"))
            }
            await #expect(throws: CatalogError.notFound(what: "active user", id: "carol")) {
                try await catalog.revokeUser("carol", at: when, audit: Self.audit("user.revoke", "carol"))
            }
            let all = try await catalog.users()
            #expect(all.map(\.name) == ["alice", "bob"])
            #expect(all.map(\.isActive) == [false, true])
            #expect(all[1].patients.isEmpty)
        }
    }

    @Test(arguments: CatalogBackend.enabled)
    func userChangesAreAudited(_ backend: CatalogBackend) async throws {
        try await backend.withCatalog { catalog in
            try await catalog.addUser(Self.user("alice", hash: 1), audit: Self.audit("user.add", "alice"))
            try await catalog.revokeUser("alice", at: Date(), audit: Self.audit("user.revoke", "alice"))
            let actions = try await catalog.auditEntries(after: 0, limit: 10).map(\.draft.action)
            #expect(actions == ["user.add", "user.revoke"])
        }
    }
}

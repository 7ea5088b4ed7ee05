public import Foundation

extension SQLiteCatalog {
    public func addUser(_ user: UserRecord, audit: AuditDraft) throws(CatalogError) {
        try db.transaction { () throws(CatalogError) in
            if try db.queryOne("SELECT 1 FROM users WHERE name = ?", [.text(user.name)], { $0.int(0) }) != nil {
                throw .alreadyExists(what: "user", id: user.name)
            }
            try db.run("INSERT INTO users (name, role, token_hash, created_at_ms, revoked_at_ms, signing_key) VALUES (?, ?, ?, ?, ?, ?)",
                       [.text(user.name), .text(user.role), .blob(user.tokenHash), .integer(millis(user.createdAt)),
                        user.revokedAt.map { .integer(millis($0)) } ?? .null, user.signingKey.map { .blob($0) } ?? .null])
            for patient in Set(user.patients) {
                try db.run("INSERT INTO user_patients (user_name, patient) VALUES (?, ?)", [.text(user.name), .text(patient)])
            }
            try appendAuditInTransaction(audit)
        }
    }

    public func user(named name: String) throws(CatalogError) -> UserRecord? {
        guard let row = try db.queryOne("SELECT name, role, token_hash, created_at_ms, revoked_at_ms, signing_key FROM users WHERE name = ?",
                                        [.text(name)], Self.userRow) else { return nil }
        return try withPatients(row)
    }

    public func user(tokenHash: [UInt8]) throws(CatalogError) -> UserRecord? {
        guard let row = try db.queryOne("SELECT name, role, token_hash, created_at_ms, revoked_at_ms, signing_key FROM users WHERE token_hash = ?",
                                        [.blob(tokenHash)], Self.userRow) else { return nil }
        return try withPatients(row)
    }

    public func users() throws(CatalogError) -> [UserRecord] {
        let rows = try db.query("SELECT name, role, token_hash, created_at_ms, revoked_at_ms, signing_key FROM users ORDER BY name", [], Self.userRow)
        var result: [UserRecord] = []
        for row in rows { result.append(try withPatients(row)) }
        return result
    }

    public func revokeUser(_ name: String, at: Date, audit: AuditDraft) throws(CatalogError) {
        try db.transaction { () throws(CatalogError) in
            guard try db.run("UPDATE users SET revoked_at_ms = ? WHERE name = ? AND revoked_at_ms IS NULL",
                             [.integer(millis(at)), .text(name)]) == 1 else {
                throw .notFound(what: "active user", id: name)
            }
            try appendAuditInTransaction(audit)
        }
    }

    static func userRow(_ row: SQLiteRow) -> UserRecord {
        UserRecord(name: row.text(0), role: row.text(1), tokenHash: row.blob(2), patients: [], createdAt: date(row.int(3)),
                   revokedAt: row.optionalInt(4).map(date), signingKey: row.optionalBlob(5))
    }

    func withPatients(_ user: UserRecord) throws(CatalogError) -> UserRecord {
        var user = user
        user.patients = try db.query("SELECT patient FROM user_patients WHERE user_name = ? ORDER BY patient", [.text(user.name)]) { $0.text(0) }
        return user
    }
}

import Foundation

// Officers' seals over each session's consent register: the ``Catalog`` methods of the same names.
extension CatalogTransaction {
    /// Signs the session's rows as they now stand in this transaction and stores the seal.
    nonisolated(nonsending) func storeSeal(_ seal: ConsentSealer, of session: String) async throws(CatalogError) {
        let made = seal(session, try await consents(session: session))
        try await run("""
            INSERT INTO consent_seals (session, signed_by, signed_at_ms, signature) VALUES (?, ?, ?, ?)
            ON CONFLICT (session) DO UPDATE SET signed_by = excluded.signed_by, signed_at_ms = excluded.signed_at_ms, signature = excluded.signature
            """, [.text(session), .text(made.signedBy), .millis(made.signedAt), .blob(made.signature)])
    }

    nonisolated(nonsending) func consentRegister(session: String) async throws(CatalogError) -> ConsentRegister {
        let seal = try await queryOne("SELECT signed_by, signed_at_ms, signature FROM consent_seals WHERE session = ?", [.text(session)]) {
            row throws(CatalogError) in
            ConsentSeal(session: session, signedBy: try row.text(0), signedAt: try row.date(1), signature: try row.blob(2))
        }
        return ConsentRegister(rows: try await consents(session: session), seal: seal)
    }

    nonisolated(nonsending) func consentSessions() async throws(CatalogError) -> [(session: String, sealed: Bool)] {
        try await query("""
            SELECT DISTINCT c.session, s.session IS NOT NULL FROM consents c LEFT JOIN consent_seals s ON s.session = c.session ORDER BY c.session
            """) { row throws(CatalogError) in (session: try row.text(0), sealed: try row.bool(1)) }
    }

    nonisolated(nonsending) func sealConsentRegisters(_ sessions: [String], seal: ConsentSealer, audit: AuditDraft) async throws(CatalogError) -> Int {
        for session in Set(sessions).sorted() {
            try await self.session.take(.consents(session: session))
            try await storeSeal(seal, of: session)
        }
        try await appendAudit(audit)
        return Set(sessions).count
    }
}

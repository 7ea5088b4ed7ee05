import Foundation

/// The column lists the catalog reads, and the records it makes of them: one definition for both backends.
enum CatalogRows {
    static let role = "name, public_key, key_id, created_at_ms"

    static func role(_ row: any SQLRowReading) throws(CatalogError) -> RoleRecord {
        RoleRecord(name: try row.text(0), publicKey: try row.blob(1), keyID: try row.text(2), createdAt: try row.date(3))
    }

    static let wrap = "recording_id, role, key_id, wrapped"

    static func wrap(_ row: any SQLRowReading) throws(CatalogError) -> WrapRecord {
        WrapRecord(recording: try row.recordingID(0), role: try row.text(1), keyID: try row.text(2), wrapped: try row.blob(3))
    }

    static let recording = """
        id, state, session, patient, clinician, class, media_type, byte_count, chunk_size, chunk_count, algorithm,
        manifest, manifest_tag, created_at_ms, captured_on, due_on, disposition, retention_rule, source_id, media_facts,
        disposal_authorised_by, disposal_started_ms
        """

    /// ``recording`` with each column qualified by `r.`.
    static let recordingR = recording.split(separator: ",")
        .map { "r." + $0.trimmingCharacters(in: .whitespacesAndNewlines) }.joined(separator: ", ")

    static func recording(_ row: any SQLRowReading) throws(CatalogError) -> RecordingRecord {
        let id = try row.recordingID(0)
        let stateText = try row.text(1)
        guard let state = RecordingState(rawValue: stateText) else {
            throw .corruptRow(table: "recordings", id: id.description, reason: "unknown state '\(stateText)'")
        }
        let column = ColumnReader(row: row, table: "recordings", id: id.description)
        var record = RecordingRecord(
            id: id, state: state, session: try row.text(2), patient: try row.optionalText(3) ?? "", clinician: try row.text(4),
            retentionClass: try row.text(5), mediaType: try row.optionalText(6) ?? "", byteCount: try row.optionalInt(7) ?? 0,
            chunkSize: Int(try row.optionalInt(8) ?? 0), chunkCount: Int(try row.optionalInt(9) ?? 0),
            algorithm: try column.algorithm(10, "algorithm"), manifest: try row.optionalBlob(11) ?? [],
            manifestTag: try row.optionalBlob(12) ?? [], createdAt: try row.date(13), capturedOn: try column.civilDate(14, "captured_on"),
            dueOn: try column.optionalCivilDate(15, "due_on"), disposition: try column.optionalDisposition(16, "disposition"),
            retentionRule: try row.optionalText(17), sourceID: try row.optionalRecordingID(18),
            mediaFacts: try column.optionalMediaFacts(19, "media_facts"))
        record.disposalAuthorisedBy = try row.optionalText(20)
        record.disposalStartedAt = try row.optionalDate(21)
        return record
    }

    static let audit = "seq, time_ms, actor, role, action, target, purpose, outcome, detail, prev_hash, hash"

    static func audit(_ row: any SQLRowReading) throws(CatalogError) -> AuditEntry {
        AuditEntry(sequence: try row.int(0), timeMillis: try row.int(1),
                   draft: AuditDraft(actor: try row.text(2), role: try row.optionalText(3), recordedAction: try row.text(4),
                                     target: try row.optionalText(5), purpose: try row.optionalText(6), outcome: try row.text(7),
                                     detail: try row.optionalText(8)),
                   previousHash: try row.blob(9), hash: try row.blob(10))
    }

    static let request = "id, type, received_on, due_on, reference, closed_on, paused_on, pause_reason, extended_on, revision"

    static func request(_ row: any SQLRowReading) throws(CatalogError) -> RequestRecord {
        let column = ColumnReader(row: row, table: "requests", id: String(try row.int(0)))
        return RequestRecord(id: try row.int(0), kind: RequestRecord.Kind(rawValue: try row.text(1)) ?? .sar,
                             receivedOn: try column.civilDate(2, "received_on"), dueOn: try column.civilDate(3, "due_on"),
                             reference: try row.optionalText(4), closedOn: try column.optionalCivilDate(5, "closed_on"),
                             pausedOn: try column.optionalCivilDate(6, "paused_on"), pauseReason: try row.optionalText(7),
                             extendedOn: try column.optionalCivilDate(8, "extended_on"), revision: try row.int(9))
    }

    static let accessReview = """
        id, patient, review_copies, created_by, created_at_ms, revision, harm_professional, harm_professional_role, harm_given_on,
        harm_serious, harm_reason, harm_recorded_by, harm_recorded_at_ms, signed_by, signed_at_ms, signature, released_by, released_at_ms
        """

    static func accessReview(_ row: any SQLRowReading) throws(CatalogError) -> AccessReviewRecord {
        var harm: HarmOpinion?
        if let professional = try row.optionalText(6) {
            let column = ColumnReader(row: row, table: "sar_reviews", id: String(try row.int(0)))
            harm = HarmOpinion(professional: professional, professionalRole: try row.optionalText(7) ?? "",
                               givenOn: try column.civilDate(8, "harm_given_on"),
                               seriousHarm: try row.optionalInt(9) == 1, reason: try row.optionalText(10),
                               recordedBy: try row.optionalText(11) ?? "", recordedAt: VaultIndex.date(try row.optionalInt(12) ?? 0))
        }
        return AccessReviewRecord(id: try row.int(0), patient: try row.text(1), reviewCopies: try row.int(2) != 0, createdBy: try row.text(3),
                                  createdAt: try row.date(4), revision: try row.int(5), harm: harm, signedBy: try row.optionalText(13),
                                  signedAt: try row.optionalDate(14), signature: try row.optionalBlob(15), releasedBy: try row.optionalText(16),
                                  releasedAt: try row.optionalDate(17), items: [])
    }

    /// Users with their care lists, one row per (user, patient): `patient` is NULL for an empty list.
    static let userWithPatients = """
        SELECT u.name, u.role, u.token_hash, u.created_at_ms, u.revoked_at_ms, u.signing_key, u.enrolment, p.patient
        FROM users u LEFT JOIN user_patients p ON p.user_name = u.name
        """

    /// Folds ``userWithPatients`` rows (ordered by user, then patient) into users.
    static func users(_ rows: [(user: UserRecord, patient: String?)]) -> [UserRecord] {
        var users: [UserRecord] = []
        for (user, patient) in rows {
            if users.last?.name != user.name { users.append(user) }
            if let patient { users[users.count - 1].patients.append(patient) }
        }
        return users
    }

    static func userWithPatient(_ row: any SQLRowReading) throws(CatalogError) -> (user: UserRecord, patient: String?) {
        (UserRecord(name: try row.text(0), role: try row.text(1), tokenHash: try row.blob(2), patients: [], createdAt: try row.date(3),
                    revokedAt: try row.optionalDate(4), signingKey: try row.optionalBlob(5), enrolment: try row.optionalBlob(6)),
         try row.optionalText(7))
    }
}

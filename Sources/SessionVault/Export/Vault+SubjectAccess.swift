public import Foundation
public import VaultCrypto
import VaultIndex
import Retention

/// What a subject-access bundle holds, as listed in its `manifest.json`.
public struct SubjectAccessManifest: Codable, Sendable {
    public struct File: Codable, Sendable {
        public var path: String
        public var bytes: Int64
        public var sha256: String
    }

    public struct Recording: Codable, Sendable {
        public var id: String
        public var file: String
        public var session: String
        public var capturedOn: String
        public var retentionClass: String
        public var mediaType: String
        public var bytes: Int64
        public var dueOn: String?
        public var retentionRule: String?
        public var heldForLegalReasons: Bool
        /// The consent records other participants in the session. In a bundle this is true only for a
        /// recording an officer decided to release (``SubjectAccessManifest/review``).
        public var otherParticipants: Bool
        /// The file is the recording's review copy (smaller, or audio only), given instead of the original.
        public var isReviewCopy: Bool?
    }

    /// How the bundle was prepared: the signed-off review it releases.
    public struct Review: Codable, Sendable {
        public struct HealthProfessional: Codable, Sendable {
            public var name: String
            public var role: String
            public var opinionGivenOn: String
            /// `no-serious-harm`, or `serious-harm` (the items it concerns are withheld).
            public var decision: String
        }

        public var id: Int64
        public var signedOffBy: String
        public var signedOffAt: Date
        public var healthProfessional: HealthProfessional
    }

    /// A count of withheld items for one reason category (never what they are).
    public struct Withheld: Codable, Sendable {
        public var category: String
        public var count: Int
        public var meaning: String
    }

    public struct Consent: Codable, Sendable {
        public var session: String
        public var scope: String
        public var givenOn: String
        public var withdrawnOn: String?
        /// The day a renewal replaced this consent (the renewal is the next entry for the scope).
        public var renewedOn: String?
        /// This consent renews an earlier one.
        public var isRenewal: Bool?
    }

    public struct Access: Codable, Sendable {
        public var time: Date
        public var actor: String
        public var role: String?
        public var action: String
        public var recording: String?
        public var purpose: String?
        public var outcome: String
    }

    public struct Destruction: Codable, Sendable {
        public var recording: String
        public var retentionClass: String
        public var rule: String?
        public var destroyedAt: Date
    }

    public var format = 2
    public var generatedAt: Date
    public var vault: String
    /// Whether an officer reviewed and signed off this release (`review` says who and when).
    /// False for a bundle written without a review: then nothing was withheld.
    public var reviewed: Bool
    public var review: Review?
    /// Items left out, by reason category.
    public var withheld: [Withheld]
    /// The information UK GDPR Art. 15 requires beside the copy.
    public var supplementaryInformation: SubjectAccessNotice
    public var purposes: [String: String]
    public var recordings: [Recording]
    public var consentHistory: [Consent]
    public var holds: Int
    public var destructions: [Destruction]
    public var accessLog: [Access]
    /// Every file in the bundle except this manifest, with its SHA-256.
    public var files: [File]
}

/// The outcome of `export subject`.
public struct SubjectAccessSummary: Codable, Sendable {
    public var recordings: Int
    public var bytes: Int64
    /// The signed-off review released, if the bundle was reviewed.
    public var review: Int64?
    /// How many items were withheld.
    public var withheld: Int
    public var files: [String]
}

/// A sink that counts and hashes what passes through, on its way to another sink.
struct HashingSink<Inner: ByteSink>: ByteSink {
    var inner: Inner
    var digest = StreamingSHA256()
    var count: Int64 = 0

    mutating func write(_ bytes: ArraySlice<UInt8>) async throws {
        bytes.withUnsafeBytes { digest.update($0) }
        count += Int64(bytes.count)
        try await inner.write(bytes)
    }
}

extension Vault {
    /// Writes a patient's subject-access bundle without a review: a tar (recordings, `index.html`,
    /// `manifest.json` with the SHA-256 of every file, consent history, holds, destructions, the
    /// access log and the Art. 15 supplementary information) encrypted for `recipient` in the age
    /// v1 format, so the patient opens it with `age -d`.
    ///
    /// Only for a patient none of whose recordings needs a decision: if any session had other
    /// participants, this refuses (``VaultError/subjectAccessReviewRequired(flagged:)``) and the
    /// release goes through a review (``draftSubjectAccessReview(patient:vaultPassphrase:reviewCopies:actor:)``,
    /// then ``exportSubjectAccess(review:patient:recordsOfficer:vaultPassphrase:recipient:to:actor:progress:)``).
    /// The bundle says it was not reviewed and that nothing was withheld, which is then true.
    ///
    /// Recordings are decrypted as the records officer (who holds a wrap of every recording) and
    /// streamed straight into the encrypted bundle: no plaintext touches the disk. The export is
    /// audited and closes with a signed audit checkpoint.
    ///
    /// With `reviewCopies`, a recording that has a stored review copy (`review --store`) is exported
    /// as that smaller copy; otherwise originals are exported and derived copies left out.
    public func exportSubjectAccess<Output: ByteSink>(patient identifier: String, recordsOfficer: UnlockedRole, vaultPassphrase: SecureBytes,
                                                      recipient: AgeRecipient, to output: Output, reviewCopies: Bool = false,
                                                      by authority: Authority,
                                                      progress: (@Sendable (Int64) -> Void)? = nil) async throws(VaultError) -> (SubjectAccessSummary, Output) {
        try await vaultBoundary {
            let actor = try await authorize(authority, for: .export)
            try recipient.validate()
            let secrets = try keyring.unlockVaultSecrets(passphrase: vaultPassphrase)
            let pseudonym = try await pseudonymKey(officer: authority.officer, vaultPassphrase: vaultPassphrase).pseudonym(of: identifier)
            guard try await catalog.patient(pseudonym) != nil else {
                throw VaultError.invalidArgument("no patient with that identifier has consent on record in this vault")
            }
            let contents = try await subjectAccessContents(pseudonym: pseudonym, reviewCopies: reviewCopies)
            let flagged = contents.items.filter { $0.flag != nil }.map(\.key)
            guard flagged.isEmpty else {
                try await catalog.appendAudit(AuditDraft(actor: actor, role: recordsOfficer.name, action: .exportSubject, target: "patient:" + pseudonym.prefix(16),
                                                         purpose: "subject-access", outcome: "refused",
                                                         detail: "\(flagged.count) recordings with other participants need a review"))
                throw VaultError.subjectAccessReviewRequired(flagged: flagged)
            }
            return try await writeSubjectAccessBundle(contents, items: contents.items, review: nil, recordsOfficer: recordsOfficer,
                                                      signing: secrets.auditSigning, recipient: recipient, to: output, actor: actor, progress: progress)
        }
    }

    /// Writes the bundle of a signed-off review: exactly the items it included, with the officer who
    /// signed it off, the health professional's decision and the count of withheld items by reason
    /// category. Refuses a draft (``VaultError/accessReviewNotSignedOff(review:)``), a review whose
    /// signature does not verify, whose opinion is more than six months old, or whose patient's
    /// recordings changed since the draft (``VaultError/accessReviewStale(review:changes:)``).
    /// With `patient`, refuses a review of another patient.
    public func exportSubjectAccess<Output: ByteSink>(review id: Int64, patient identifier: String? = nil, recordsOfficer: UnlockedRole,
                                                      vaultPassphrase: SecureBytes,
                                                      recipient: AgeRecipient, to output: Output, by authority: Authority,
                                                      progress: (@Sendable (Int64) -> Void)? = nil) async throws(VaultError) -> (SubjectAccessSummary, Output) {
        try await vaultBoundary {
            let actor = try await authorize(authority, for: .export)
            try recipient.validate()
            let secrets = try keyring.unlockVaultSecrets(passphrase: vaultPassphrase)
            if let identifier,
               try await subjectAccessReview(id).patient != pseudonymKey(officer: authority.officer, vaultPassphrase: vaultPassphrase).pseudonym(of: identifier) {
                throw VaultError.invalidArgument("review \(id) is not of the patient given with --patient")
            }
            let (review, contents) = try await releasableReview(id)
            return try await writeSubjectAccessBundle(contents, items: review.items, review: review, recordsOfficer: recordsOfficer,
                                                      signing: secrets.auditSigning, recipient: recipient, to: output, actor: actor, progress: progress)
        }
    }

    private func writeSubjectAccessBundle<Output: ByteSink>(_ contents: SubjectAccessContents, items: [AccessReviewItem], review: AccessReviewRecord?,
                                                            recordsOfficer: UnlockedRole, signing: SigningKeyPair, recipient: AgeRecipient,
                                                            to output: Output, actor: String,
                                                            progress: (@Sendable (Int64) -> Void)?) async throws -> (SubjectAccessSummary, Output) {
        let included = Set(items.filter { $0.decision == .include }.map(\.key))
        let recordings = contents.recordings.filter { included.contains($0.id.description) }
        // An access to a withheld recording would name it (and a copy's, its source): such entries are
        // left out of the access log with the recording.
        let withheldIDs = Set(contents.recordings.filter { !included.contains($0.id.description) }
            .flatMap { [$0.id.description] + ($0.sourceID.map { [$0.description] } ?? []) })
        let now = clock()
        var tar = TarWriter(output: try AgeEncryptor(recipient: recipient, output: output))
        var files: [SubjectAccessManifest.File] = []
        var entries: [SubjectAccessManifest.Recording] = []
        var written: Int64 = 0
        for record in recordings {
            let opened = try await open(record.id, as: recordsOfficer, actor: actor, purpose: "subject-access", detail: "export")
            let name = "recordings/\(record.capturedOn)_\(record.session)_\(record.id.compactHex.prefix(8)).\(Self.fileExtension(record.mediaType))"
            try await tar.beginFile(name: name, size: UInt64(opened.byteCount), mtime: record.createdAt)
            var hashing = HashingSink(inner: tar)
            try await stream(opened, to: &hashing)
            tar = hashing.inner
            try await tar.endFile()
            written += hashing.count
            progress?(written)
            files.append(.init(path: name, bytes: hashing.count, sha256: Hex.encode(hashing.digest.finalize())))
            let held = try await catalog.isHeld(record.id)
            entries.append(.init(id: record.id.description, file: name, session: record.session, capturedOn: record.capturedOn.description,
                                 retentionClass: record.retentionClass, mediaType: record.mediaType, bytes: record.byteCount, dueOn: record.dueOn?.description,
                                 retentionRule: record.retentionRule, heldForLegalReasons: held,
                                 otherParticipants: contents.groupSessions.contains(record.session),
                                 isReviewCopy: record.sourceID != nil))
        }
        var withheld: [SubjectAccessManifest.Withheld] = []
        for category in SubjectAccessExclusion.allCases {
            let count = items.filter { $0.decision != .include && $0.category == category.rawValue }.count
            if count > 0 { withheld.append(.init(category: category.rawValue, count: count, meaning: category.patientWording)) }
        }
        let reviewEntry = review.flatMap { r -> SubjectAccessManifest.Review? in
            guard let id = r.id, let by = r.signedBy, let at = r.signedAt, let harm = r.harm else { return nil }
            return .init(id: id, signedOffBy: by, signedOffAt: at,
                         healthProfessional: .init(name: harm.professional, role: harm.professionalRole, opinionGivenOn: harm.givenOn.description,
                                                   decision: harm.seriousHarm ? "serious-harm" : "no-serious-harm"))
        }
        let manifestBase = SubjectAccessManifest(
            generatedAt: now, vault: config.vaultID, reviewed: reviewEntry != nil, review: reviewEntry, withheld: withheld,
            supplementaryInformation: config.subjectAccess, purposes: Self.purposeDescriptions, recordings: entries,
            consentHistory: included.contains(AccessReviewItem.Kind.consentHistory.rawValue)
                ? contents.consents.map { .init(session: $0.session, scope: $0.scope, givenOn: $0.givenOn.description,
                                                   withdrawnOn: $0.withdrawnOn?.description, renewedOn: $0.supersededOn?.description, isRenewal: $0.renews != nil) } : [],
            holds: contents.holds.filter { h in h.patient != nil || recordings.contains { $0.id == h.recording } }.count,
            destructions: included.contains(AccessReviewItem.Kind.destructionRecords.rawValue)
                ? contents.destructions.map { .init(recording: $0.recording.description, retentionClass: $0.retentionClass, rule: $0.rule,
                                                    destroyedAt: $0.destroyedAt) } : [],
            accessLog: included.contains(AccessReviewItem.Kind.accessLog.rawValue)
                ? contents.accessLog.filter { !withheldIDs.contains($0.draft.target ?? "") }.map { .init(time: $0.time, actor: $0.draft.actor, role: $0.draft.role, action: $0.draft.action, recording: $0.draft.target,
                                                 purpose: $0.draft.purpose, outcome: $0.draft.outcome) } : [],
            files: files)
        let index = Array(Self.indexHTML(manifestBase, released: included).utf8)
        try await tar.beginFile(name: "index.html", size: UInt64(index.count), mtime: now)
        try await tar.write(index)
        try await tar.endFile()
        var manifest = manifestBase
        manifest.files.append(.init(path: "index.html", bytes: Int64(index.count), sha256: Hex.encode(ChunkDigest.sha256(index))))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        let manifestBytes = Array(try encoder.encode(manifest))
        try await tar.beginFile(name: "manifest.json", size: UInt64(manifestBytes.count), mtime: now)
        try await tar.write(manifestBytes)
        try await tar.endFile()
        var age = try await tar.finish()
        let finalOutput = try await age.finish()

        let withheldCount = withheld.reduce(0) { $0 + $1.count }
        let audit = AuditDraft(actor: actor, role: recordsOfficer.name, action: .exportSubject, target: "patient:" + contents.pseudonym.prefix(16),
                               purpose: "subject-access",
                               detail: "\(entries.count) recordings, \(written) bytes; " + (review.map { "review \($0.id ?? 0) signed off by \($0.signedBy ?? "?"), \(withheldCount) items withheld" } ?? "not reviewed, nothing withheld"))
        if var released = review {
            released.releasedBy = actor
            released.releasedAt = now
            try await catalog.updateAccessReview(released, expectedRevision: released.revision, audit: audit)
        } else {
            try await catalog.appendAudit(audit)
        }
        _ = try await checkpointAudit(signing: signing, reason: "export")
        return (SubjectAccessSummary(recordings: entries.count, bytes: written, review: review?.id, withheld: withheldCount,
                                     files: manifest.files.map(\.path) + ["manifest.json"]), finalOutput)
    }

    static let purposeDescriptions = [
        "care": "Recorded as part of your care; part of your clinical record.",
        "supervision": "Recorded for the clinical supervision of your therapist.",
        "training": "Recorded, with your consent, for teaching and training.",
        "assessment": "Recorded for a formal assessment.",
        "research": "Recorded, with your consent, for a research study.",
    ]

    static func fileExtension(_ mediaType: String) -> String {
        switch mediaType {
        case "video/webm": return "webm"
        case "video/x-matroska": return "mkv"
        case "audio/ogg": return "ogg"
        case "video/mp4": return "mp4"
        case "audio/wav": return "wav"
        default: return "bin"
        }
    }

    /// The bundle's human-readable index. Every sentence about how the bundle was prepared is true
    /// of it: a review is mentioned only when one was signed off, and what was withheld is counted
    /// by reason, never described.
    static func indexHTML(_ manifest: SubjectAccessManifest, released: Set<String>) -> String {
        func esc(_ s: String) -> String {
            s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
                .replacingOccurrences(of: "\"", with: "&quot;")
        }
        let formatter = ISO8601DateFormatter()
        var html = """
            <!doctype html><html lang="en"><head><meta charset="utf-8"><title>Your recordings</title>
            <style>body{font-family:sans-serif;max-width:60em;margin:2em auto;line-height:1.4}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.3em .6em;text-align:left}</style>
            </head><body><h1>Copies of your recorded sessions</h1>
            <p>This bundle answers your subject access request (UK GDPR Article 15). Generated \(formatter.string(from: manifest.generatedAt)).
            <code>manifest.json</code> lists every file with its SHA-256 so you can check nothing was altered.</p>
            <h2>How this copy was prepared</h2>
            """
        if let review = manifest.review {
            let officer = review.signedOffBy.hasPrefix("officer:") ? String(review.signedOffBy.dropFirst("officer:".count)) : review.signedOffBy
            let professional = review.healthProfessional
            html += "<p>Before release, records officer \(esc(officer)) went through what this bundle would hold and signed off its release on "
                + "\(CivilDate(review.signedOffAt)) (review \(review.id)).</p>"
            html += "<p>\(esc(professional.name)) (\(esc(professional.role))), a health professional, gave their opinion on \(esc(professional.opinionGivenOn)) "
                + "on whether releasing this information would be likely to cause serious harm to your physical or mental health or anyone else's. "
                + (professional.decision == "serious-harm"
                    ? "Their opinion was that releasing some of it would; that part was withheld (see below).</p>"
                    : "Their opinion was that it would not.</p>")
        } else {
            html += "<p>This copy was prepared without a review of each item: it holds every recording of yours held in the vault, and nothing "
                + "was withheld.</p>"
        }
        if manifest.recordings.contains(where: { $0.isReviewCopy == true }) {
            html += "<p>Some recordings are given as their review copy (smaller, or sound only) rather than the original; they are marked "
                + "below. You may ask us for the originals.</p>"
        }
        if manifest.withheld.isEmpty {
            if manifest.review != nil { html += "<p>Nothing was withheld.</p>" }
        } else {
            html += "<h2>What was withheld</h2><p>Some items were not included. We do not describe them, but this is how many and why:</p><ul>"
            for w in manifest.withheld { html += "<li>\(w.count) item(s): \(esc(w.meaning)).</li>" }
            html += "</ul><p>If you disagree, please contact us; you can also complain to the Information Commissioner (below).</p>"
        }
        html += "<h2>Recordings</h2><table><tr><th>File</th><th>Date</th><th>Purpose</th><th>Kept until</th><th>Note</th></tr>"
        for r in manifest.recordings {
            let note = [r.otherParticipants ? "Other people took part in this session; a records officer decided to release it to you." : nil,
                        r.heldForLegalReasons ? "Kept under a legal hold." : nil,
                        r.isReviewCopy == true ? "Review copy (smaller, or sound only), not the original." : nil].compactMap { $0 }.joined(separator: " ")
            html += "<tr><td><a href=\"\(esc(r.file))\">\(esc(r.file))</a></td><td>\(esc(r.capturedOn))</td><td>\(esc(manifest.purposes[r.retentionClass] ?? r.retentionClass))</td>"
                + "<td>\(esc(r.dueOn ?? "to be decided (depends on the end of your care)"))</td><td>\(esc(note))</td></tr>"
        }
        html += "</table><h2>Consent</h2>"
        if released.contains(AccessReviewItem.Kind.consentHistory.rawValue) {
            html += "<table><tr><th>Session</th><th>Purpose</th><th>Given</th><th>Ended</th></tr>"
            for c in manifest.consentHistory {
                let given = c.givenOn + (c.isRenewal == true ? " (renewed)" : "")
                let ended = c.withdrawnOn.map { "withdrawn \($0)" } ?? c.renewedOn.map { "renewed \($0)" } ?? "-"
                html += "<tr><td>\(esc(c.session))</td><td>\(esc(c.scope))</td><td>\(esc(given))</td><td>\(esc(ended))</td></tr>"
            }
            html += "</table>"
        } else {
            html += "<p>Withheld (see above).</p>"
        }
        html += "<h2>Who accessed your recordings</h2>"
        if released.contains(AccessReviewItem.Kind.accessLog.rawValue) {
            html += "<table><tr><th>When (UTC)</th><th>Who</th><th>Role</th><th>Why</th><th>Outcome</th></tr>"
            for a in manifest.accessLog {
                html += "<tr><td>\(formatter.string(from: a.time))</td><td>\(esc(a.actor))</td><td>\(esc(a.role ?? "-"))</td><td>\(esc(a.purpose ?? "-"))</td><td>\(esc(a.outcome))</td></tr>"
            }
            html += "</table>"
        } else {
            html += "<p>Withheld (see above).</p>"
        }
        html += "<h2>Destroyed recordings</h2>"
        if released.contains(AccessReviewItem.Kind.destructionRecords.rawValue) {
            html += "<p>\(manifest.destructions.count) recording(s) of yours were destroyed at the end of their retention period.</p>"
        } else {
            html += "<p>Withheld (see above).</p>"
        }
        html += "<h2>About your information</h2>"
        for section in manifest.supplementaryInformation.sections {
            html += "<h3>\(esc(section.heading))</h3><p>\(esc(section.text))</p>"
        }
        html += "</body></html>\n"
        return html
    }
}

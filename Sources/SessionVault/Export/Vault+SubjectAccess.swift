public import Foundation
public import VaultCrypto
import VaultIndex

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
        /// Other people took part: review and redact before release.
        public var needsRedactionReview: Bool
    }

    public struct Consent: Codable, Sendable {
        public var session: String
        public var scope: String
        public var givenOn: String
        public var withdrawnOn: String?
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

    public var format = 1
    public var generatedAt: Date
    public var vault: String
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
    public var needsRedactionReview: [String]
    public var files: [String]
}

/// A sink that counts and hashes what passes through, on its way to another sink.
struct HashingSink<Inner: ByteSink>: ByteSink, PlaintextSink {
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
    /// Writes a patient's subject-access bundle: a tar (recordings, `index.html`, `manifest.json`
    /// with the SHA-256 of every file, consent history, holds, destructions and the access log)
    /// encrypted for `recipient` in the age v1 format, so the patient opens it with `age -d`.
    ///
    /// Recordings are decrypted as the records officer (who holds a wrap of every recording) and
    /// streamed straight into the encrypted bundle: no plaintext touches the disk. The export is
    /// audited and closes with a signed audit checkpoint.
    ///
    /// With `reviewCopies`, a recording that has a stored review copy (`review --store`) is exported
    /// as that smaller copy; otherwise originals are exported and derived copies left out.
    public func exportSubjectAccess<Output: ByteSink>(patient identifier: String, recordsOfficer: UnlockedRole, vaultPassphrase: SecureBytes,
                                                      recipient: AgeRecipient, to output: Output, reviewCopies: Bool = false,
                                                      actor: String = Vault.defaultActor,
                                                      progress: (@Sendable (Int64) -> Void)? = nil) async throws -> (SubjectAccessSummary, Output) {
        try recipient.validate()
        let secrets = try keyring.unlockVaultSecrets(passphrase: vaultPassphrase)
        let pseudonym = secrets.pseudonymKey.pseudonym(of: identifier)
        guard try await catalog.patient(pseudonym) != nil else {
            throw VaultError.invalidArgument("no patient with that identifier has consent on record in this vault")
        }
        let all = try await catalog.recordings(RecordingFilter(patient: pseudonym))
        let originals = all.filter { $0.sourceID == nil }
        let copies = Dictionary(all.compactMap { r in r.sourceID.map { ($0, r) } }, uniquingKeysWith: { a, b in a.createdAt > b.createdAt ? a : b })
        let recordings = reviewCopies ? originals.map { copies[$0.id] ?? $0 } : originals
        var consents: [ConsentRecord] = []
        for session in Set(recordings.map(\.session)).sorted() { consents += try await catalog.consents(session: session) }
        let groupSessions = Set(consents.filter(\.otherParticipants).map(\.session))
        let holds = try await catalog.holds(includeReleased: false).filter { hold in
            hold.patient == pseudonym || recordings.contains { $0.id == hold.recording }
        }
        let destructions = try await catalog.destructionRecords(since: nil, limit: 1_000_000).filter { $0.patient == pseudonym }
        let accessLog = try await auditLog(patientPseudonym: pseudonym).filter { $0.draft.action == "get" || $0.draft.action.hasPrefix("export") }

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
            entries.append(.init(id: record.id.description, file: name, session: record.session, capturedOn: record.capturedOn,
                                 retentionClass: record.retentionClass, mediaType: record.mediaType, bytes: record.byteCount, dueOn: record.dueOn,
                                 retentionRule: record.retentionRule, heldForLegalReasons: held, needsRedactionReview: groupSessions.contains(record.session)))
        }
        let manifestBase = SubjectAccessManifest(
            generatedAt: now, vault: config.vaultID, purposes: Self.purposeDescriptions, recordings: entries,
            consentHistory: consents.map { .init(session: $0.session, scope: $0.scope, givenOn: $0.givenOn, withdrawnOn: $0.withdrawnOn) },
            holds: holds.count,
            destructions: destructions.map { .init(recording: $0.recording.description, retentionClass: $0.retentionClass, rule: $0.rule, destroyedAt: $0.destroyedAt) },
            accessLog: accessLog.map { .init(time: $0.time, actor: $0.draft.actor, role: $0.draft.role, action: $0.draft.action, recording: $0.draft.target,
                                             purpose: $0.draft.purpose, outcome: $0.draft.outcome) },
            files: files)
        let index = Array(Self.indexHTML(manifestBase).utf8)
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

        let review = entries.filter(\.needsRedactionReview).map(\.id)
        try await catalog.appendAudit(AuditDraft(actor: actor, role: recordsOfficer.name, action: "export.subject",
                                                 target: "patient:" + pseudonym.prefix(16), purpose: "subject-access",
                                                 detail: "\(entries.count) recordings, \(written) bytes; \(review.count) need redaction review"))
        _ = try await checkpointAudit(signing: secrets.auditSigning, reason: "export")
        return (SubjectAccessSummary(recordings: entries.count, bytes: written, needsRedactionReview: review,
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

    static func indexHTML(_ manifest: SubjectAccessManifest) -> String {
        func esc(_ s: String) -> String {
            s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
                .replacingOccurrences(of: "\"", with: "&quot;")
        }
        let formatter = ISO8601DateFormatter()
        var html = """
            <!doctype html><html lang="en"><head><meta charset="utf-8"><title>Your recordings</title>
            <style>body{font-family:sans-serif;max-width:60em;margin:2em auto;line-height:1.4}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.3em .6em;text-align:left}</style>
            </head><body><h1>Copies of your recorded sessions</h1>
            <p>This bundle answers your subject access request (UK GDPR Article 15). It holds a copy of each recording of your sessions,
            the consent you gave and withdrew, how long each recording is kept and why, and who accessed them. Generated \(formatter.string(from: manifest.generatedAt)).
            <code>manifest.json</code> lists every file with its SHA-256 so you can check nothing was altered.</p>
            <h2>Recordings</h2><table><tr><th>File</th><th>Date</th><th>Purpose</th><th>Kept until</th><th>Note</th></tr>
            """
        for r in manifest.recordings {
            let note = [r.needsRedactionReview ? "Other people took part: reviewed for their privacy before release." : nil,
                        r.heldForLegalReasons ? "Kept under a legal hold." : nil].compactMap { $0 }.joined(separator: " ")
            html += "<tr><td><a href=\"\(esc(r.file))\">\(esc(r.file))</a></td><td>\(esc(r.capturedOn))</td><td>\(esc(manifest.purposes[r.retentionClass] ?? r.retentionClass))</td>"
                + "<td>\(esc(r.dueOn ?? "to be decided (depends on the end of your care)"))</td><td>\(esc(note))</td></tr>"
        }
        html += "</table><h2>Consent</h2><table><tr><th>Session</th><th>Purpose</th><th>Given</th><th>Withdrawn</th></tr>"
        for c in manifest.consentHistory {
            html += "<tr><td>\(esc(c.session))</td><td>\(esc(c.scope))</td><td>\(esc(c.givenOn))</td><td>\(esc(c.withdrawnOn ?? "-"))</td></tr>"
        }
        html += "</table><h2>Who accessed your recordings</h2><table><tr><th>When (UTC)</th><th>Who</th><th>Role</th><th>Why</th><th>Outcome</th></tr>"
        for a in manifest.accessLog {
            html += "<tr><td>\(formatter.string(from: a.time))</td><td>\(esc(a.actor))</td><td>\(esc(a.role ?? "-"))</td><td>\(esc(a.purpose ?? "-"))</td><td>\(esc(a.outcome))</td></tr>"
        }
        html += "</table><h2>Destroyed recordings</h2><p>\(manifest.destructions.count) recording(s) of yours were destroyed at the end of their retention period.</p>"
        html += "</body></html>\n"
        return html
    }
}

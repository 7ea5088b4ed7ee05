public import Foundation
import Retention
import TOMLKit
public import VaultCrypto

/// A vault's configuration (`config.toml`): what it is made of and who may see what.
public struct VaultConfig: Sendable, Equatable {
    /// The on-disk format generation; a newer one is refused.
    public static let currentFormat = 1

    public var format: Int
    public var vaultID: String
    /// Where the catalog lives: `sqlite:catalog.sqlite` (relative to the vault directory).
    public var catalog: String
    /// Where blobs live: `file:blobs` (relative to the vault directory).
    public var blobs: String
    /// Plaintext bytes per chunk for new recordings.
    public var chunkSize: Int
    /// The AEAD for new recordings.
    public var algorithm: ChunkAlgorithm
    /// Argon2id cost for passphrase-protected keys made from now on.
    public var kdf: KDFStrength
    /// The retention schedule file, relative to the vault directory.
    public var retentionSchedule: String
    /// Consent scope → roles whose key receives a wrap when that scope is consented.
    public var scopes: [String: [String]]
    /// Roles that receive a wrap of every recording, whatever the consent (e.g. the records officer).
    public var alwaysWrap: [String]
    /// Role → passphrase file, for services that unlock several roles at start.
    public var passphraseFiles: [String: String]
    /// The Art. 15 supplementary information every subject-access bundle carries (`[subject_access]`;
    /// each key optional, the NHS mental-health default otherwise).
    public var subjectAccess: SubjectAccessNotice = .nhsMentalHealthDefault
    /// Disclosure control for FOI figures (`[foi]`); a file without the table gets the default.
    public var foi: DisclosureControl = .standard
    /// The roles whose users may upload recordings through the service (`[server] upload_roles`;
    /// default ``defaultUploadRoles``). An upload makes a recording of a patient's session part of
    /// the record; a supervisor, trainer or records officer has no business adding one.
    public var uploadRoles: [String] = VaultConfig.defaultUploadRoles

    public static let defaultUploadRoles = ["clinician"]
    /// The retention classes whose recordings get their review copy while they are ingested
    /// (`[review] at_ingest`; default ``defaultReviewAtIngest``): the WebM or Ogg plaintext feeds the
    /// review transcoder on its way to the sealer, and the copy is stored as a derived recording
    /// straight after the original. Other classes get one on request (`review --store`, `POST /review`).
    public var reviewAtIngest: [String] = VaultConfig.defaultReviewAtIngest

    /// Supervision and training recordings are made to be watched back, by a supervisor or a trainer,
    /// within days: their copy is worth a second core during the upload. A care recording is part of
    /// the record and is seldom played; an assessment or research recording is handed on whole. Their
    /// copies are made on first request, so no class stores a second copy of a session nobody watches.
    public static let defaultReviewAtIngest = ["supervision", "training"]
    /// The memory `serve` decrypts responses into, at most (`[server] plaintext_buffers`, e.g.
    /// "128MiB"; default ``defaultPlaintextBuffers``). When it is all in use, further range
    /// requests wait for some to be freed rather than allocate more.
    public var plaintextBuffers: Int = VaultConfig.defaultPlaintextBuffers

    public static let defaultPlaintextBuffers = 128 << 20
    /// What `[server] plaintext_buffers` accepts: from one 1 MiB range's buffers to 16 GiB.
    public static let plaintextBuffersRange = (4 << 20)...(16 << 30)
    /// How `serve` and `sweeper` sign and publish audit checkpoints (`[audit]`); their flags override it.
    public var checkpoints = CheckpointSettings()
    /// Where the erasure tree's root lives (`[erasure] root`): nil for `erasure/root` in the vault
    /// directory; else a file path (`file:` prefix optional; relative paths are inside the vault
    /// directory). Every node sharing a PostgreSQL catalog must name the same file (docs/DEPLOYMENT.md).
    public var erasureRoot: String? = nil
    /// Staff sign-in through the organisation's OpenID Provider (`[oidc]`); nil: bearer tokens only.
    public var signIn: SignInSettings? = nil

    public static let defaultScopes: [String: [String]] = [
        "care": ["clinician", "records-officer"],
        "supervision": ["supervisor"],
        "training": ["trainer"],
        "assessment": ["assessor"],
        "research": ["researcher"],
    ]

    public static func makeDefault(vaultID: String, chunkSize: Int = 4 << 20, algorithm: ChunkAlgorithm = .preferred,
                                   kdf: KDFStrength = .moderate) -> VaultConfig {
        VaultConfig(format: currentFormat, vaultID: vaultID, catalog: "sqlite:catalog.sqlite", blobs: "file:blobs", chunkSize: chunkSize,
                    algorithm: algorithm, kdf: kdf, retentionSchedule: "retention/nhs-mental-health.toml", scopes: defaultScopes,
                    alwaysWrap: ["records-officer"], passphraseFiles: [:])
    }

    /// Roles that a set of consented scopes justifies (plus the always-wrapped roles), sorted.
    public func roles(forScopes consented: some Sequence<String>) -> [String] {
        var roles = Set(alwaysWrap)
        for scope in consented { roles.formUnion(scopes[scope] ?? []) }
        return roles.sorted()
    }

    static let chunkSizeRange = (64 << 10)...(64 << 20)

    // MARK: - TOML

    /// The file as written by `init`, with comments for operators.
    public func tomlText() -> String {
        func quoted(_ s: String) -> String {
            "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"").replacingOccurrences(of: "\n", with: "\\n") + "\""
        }
        func list(_ values: [String]) -> String { "[" + values.map(quoted).joined(separator: ", ") + "]" }
        var lines = [
            "# SessionVault configuration. Edit with care: see docs/OPERATIONS.md.",
            "format = \(format)",
            "vault_id = \(quoted(vaultID))",
            "",
            "# Where the catalog and the encrypted chunks live (relative paths are inside the vault directory).",
            "catalog = \(quoted(catalog))",
            "blobs = \(quoted(blobs))",
            "",
            "# New recordings: plaintext bytes per chunk (64KiB to 64MiB) and the AEAD (aes256gcm or xchacha20poly1305).",
            "chunk_size = \(quoted(Self.formatSize(chunkSize)))",
            "algorithm = \(quoted(algorithm.description))",
            "# Argon2id cost for passphrase-protected keys: interactive, moderate or sensitive.",
            "kdf = \(quoted(kdf.rawValue))",
            "",
            "# The retention schedule in force (see retention/README.md).",
            "retention_schedule = \(quoted(retentionSchedule))",
            "",
            "# Roles that receive a key for every recording, whatever the consent.",
            "always_wrap = \(list(alwaysWrap))",
            "",
            "# Consent scope -> roles whose key receives a wrap when the patient consents to that scope.",
            "[scopes]",
        ]
        for scope in scopes.keys.sorted() { lines.append("\(scope) = \(list(scopes[scope]!))") }
        lines += ["", "# Role -> passphrase file, for `sessionvault serve` to unlock several roles at start.", "[passphrase_files]"]
        for role in passphraseFiles.keys.sorted() { lines.append("\(quoted(role)) = \(quoted(passphraseFiles[role]!))") }
        lines += ["", "# The information every subject-access bundle gives beside the copy (UK GDPR Art. 15): each key is optional and",
                  "# replaces the default wording for an NHS mental-health service (see docs/OPERATIONS.md). Keys: "
                    + SubjectAccessNotice.keys.joined(separator: ", ") + ".",
                  "[subject_access]"]
        let defaults = SubjectAccessNotice.nhsMentalHealthDefault
        for (key, _, text) in subjectAccess.sections {
            if let fallback = defaults.sections.first(where: { $0.key == key })?.text, fallback == text { continue }
            lines.append("\(key) = \(quoted(text))")
        }
        lines += [
            "", "# FOI figures (see docs/OPERATIONS.md): disclosure_control = \"suppress\" (withhold small counts, then enough others",
            "# that none can be worked out from a total) or \"round5\" (withhold small counts, round all others to the nearest 5);",
            "# counts from 1 to suppress_below - 1 are withheld (NHS Digital: 8, so 1-7).",
            "[foi]",
            "disclosure_control = \(quoted(foi.method.rawValue))",
            "suppress_below = \(foi.suppressBelow)",
            "",
            "# The HTTP service (sessionvault serve): users of these roles may upload recordings; others get 403.",
            "[server]",
            "upload_roles = \(list(uploadRoles))",
            "# Memory that responses are decrypted into, at most; more requests wait for it (4MiB to 16GiB).",
            "plaintext_buffers = \(quoted(Self.formatSize(plaintextBuffers)))",
            "",
            "# Review copies (docs/OPERATIONS.md): recordings of these retention classes get their review copy (VP8 640x360",
            "# 15 fps + Opus) while they are ingested, from the same plaintext, on a second core; others on first request.",
            "[review]",
            "at_ingest = \(list(reviewAtIngest))",
        ]
        if checkpoints != CheckpointSettings() {
            lines += ["", "# Audit checkpoints signed by `serve` and `sweeper` (docs/OPERATIONS.md); their flags override these.", "[audit]"]
            if let signer = checkpoints.signer { lines.append("checkpoint_signer = \(quoted(signer))") }
            if let file = checkpoints.passphraseFile { lines.append("checkpoint_passphrase_file = \(quoted(file))") }
            if let every = checkpoints.every { lines.append("checkpoint_every = \(every)") }
            if let interval = checkpoints.interval { lines.append("checkpoint_interval = \(quoted(interval))") }
            if !checkpoints.publish.isEmpty { lines.append("publish_checkpoints = \(list(checkpoints.publish))") }
        }
        if let erasureRoot {
            lines += ["", "# The erasure tree's root (docs/DEPLOYMENT.md): one small file, overwritten in place, never versioned or backed up;",
                      "# every node sharing the catalog names the same file.",
                      "[erasure]", "root = \(quoted(erasureRoot))"]
        }
        if let signIn { lines += signIn.tomlLines(quoted: quoted, list: list) }
        return lines.joined(separator: "\n") + "\n"
    }

    static func formatSize(_ size: Int) -> String {
        if size % (1 << 20) == 0 { return "\(size >> 20)MiB" }
        if size % (1 << 10) == 0 { return "\(size >> 10)KiB" }
        return "\(size)"
    }

    /// Parses `config.toml`, checking every key; a bad file is refused whole.
    public static func parse(_ text: String, path: String) throws(VaultError) -> VaultConfig {
        if let problem = TOMLPreflight.problem(in: text) {
            throw .config(path: path, line: problem.line, message: problem.message)
        }
        let table: TOMLTable
        do {
            table = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw .config(path: path, line: error.source.begin.line, message: error.description)
        } catch {
            throw .config(path: path, line: nil, message: "\(error)")
        }
        func line(of key: String) -> Int? {
            for (number, content) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                let trimmed = content.trimmingCharacters(in: .whitespaces)
                if trimmed.hasPrefix(key + " ") || trimmed.hasPrefix(key + "=") || trimmed == "[\(key)]" { return number + 1 }
            }
            return nil
        }
        func fail(_ key: String, _ message: String) -> VaultError { .config(path: path, line: line(of: key), message: message) }
        func string(_ key: String) throws(VaultError) -> String {
            guard let value = table[key] else { throw fail(key, "missing key '\(key)'") }
            guard let string = value.string else { throw fail(key, "'\(key)' must be a string") }
            return string
        }
        func stringList(_ value: any TOMLValueConvertible, key: String) throws(VaultError) -> [String] {
            guard let array = value.array else { throw fail(key, "'\(key)' must be a list of strings") }
            var result: [String] = []
            for element in array {
                guard let s = element.string else { throw fail(key, "'\(key)' must be a list of strings") }
                result.append(s)
            }
            return result
        }

        let known: Set<String> = ["format", "vault_id", "catalog", "blobs", "chunk_size", "algorithm", "kdf", "retention_schedule",
                                  "always_wrap", "scopes", "passphrase_files", "subject_access", "foi", "server", "erasure", "audit", "oidc",
                                  "review"]
        for key in table.keys where !known.contains(key) {
            throw fail(key, "unknown key '\(key)' (known: \(known.sorted().joined(separator: ", ")))")
        }
        guard let format = table["format"]?.int else { throw fail("format", "missing or non-integer 'format'") }
        guard format <= currentFormat, format >= 1 else {
            throw fail("format", "format \(format) is not supported by this program (supports \(currentFormat))")
        }
        let sizeText = try string("chunk_size")
        guard let chunkSize = ByteCount.parse(sizeText), chunkSizeRange.contains(chunkSize) else {
            throw fail("chunk_size", "chunk_size '\(sizeText)' must be between 64KiB and 64MiB")
        }
        let algorithmName = try string("algorithm")
        guard let algorithm = ChunkAlgorithm(name: algorithmName) else {
            throw fail("algorithm", "unknown algorithm '\(algorithmName)' (aes256gcm or xchacha20poly1305)")
        }
        let kdfName = try string("kdf")
        guard let kdf = KDFStrength(rawValue: kdfName) else {
            throw fail("kdf", "unknown kdf strength '\(kdfName)' (\(KDFStrength.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        var scopes: [String: [String]] = [:]
        if let scopesValue = table["scopes"] {
            guard let scopeTable = scopesValue.table else { throw fail("scopes", "'scopes' must be a table") }
            for (scope, roles) in scopeTable { scopes[scope] = try stringList(roles, key: scope) }
        }
        var passphraseFiles: [String: String] = [:]
        if let filesValue = table["passphrase_files"] {
            guard let filesTable = filesValue.table else { throw fail("passphrase_files", "'passphrase_files' must be a table") }
            for (role, file) in filesTable {
                guard let file = file.string else { throw fail(role, "passphrase file for '\(role)' must be a string") }
                passphraseFiles[role] = file
            }
        }
        var notice = SubjectAccessNotice.nhsMentalHealthDefault
        if let noticeValue = table["subject_access"] {
            guard let noticeTable = noticeValue.table else { throw fail("subject_access", "'subject_access' must be a table") }
            for (key, value) in noticeTable {
                guard let text = value.string, !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
                    throw fail(key, "subject_access.\(key) must be a non-empty string")
                }
                guard notice.set(key, text) else {
                    throw fail(key, "unknown key 'subject_access.\(key)' (known: \(SubjectAccessNotice.keys.joined(separator: ", ")))")
                }
            }
        }
        var foi = DisclosureControl.standard
        if let foiValue = table["foi"] {
            guard let foiTable = foiValue.table else { throw fail("foi", "'foi' must be a table") }
            for key in foiTable.keys where !["disclosure_control", "suppress_below"].contains(key) {
                throw fail(key, "unknown key '\(key)' in [foi] (known: disclosure_control, suppress_below)")
            }
            if let value = foiTable["disclosure_control"] {
                let methods = DisclosureControl.Method.allCases.map(\.rawValue).joined(separator: " or ")
                guard let name = value.string, let method = DisclosureControl.Method(rawValue: name) else {
                    throw fail("disclosure_control", "[foi] disclosure_control must be \(methods)")
                }
                foi.method = method
            }
            if let value = foiTable["suppress_below"] {
                let range = DisclosureControl.allowedThresholds
                guard let threshold = value.int, range.contains(threshold) else {
                    throw fail("suppress_below", "[foi] suppress_below must be a whole number from \(range.lowerBound) to \(range.upperBound) "
                                + "(counts from 1 to suppress_below - 1 are withheld; NHS Digital uses 8)")
                }
                foi.suppressBelow = threshold
            }
            if foi.method == .round5, foi.suppressBelow < 3 {
                throw fail("suppress_below", "[foi] with disclosure_control = \"round5\", suppress_below must be at least 3 (NHS Digital uses 8): "
                            + "below that a 2 would round to 0 and every \(DisclosureControl.withheld) would be a 1")
            }
        }
        var erasureRoot: String?
        if let erasureValue = table["erasure"] {
            guard let erasureTable = erasureValue.table else { throw fail("erasure", "'erasure' must be a table") }
            for key in erasureTable.keys where key != "root" {
                throw fail(key, "unknown key '\(key)' in [erasure] (known: root)")
            }
            if let value = erasureTable["root"] {
                guard let root = value.string, !root.isEmpty else { throw fail("root", "[erasure] root must be a non-empty string") }
                if let problem = Self.erasureRootProblem(root) { throw fail("root", problem) }
                erasureRoot = root
            }
        }
        var uploadRoles = defaultUploadRoles
        var plaintextBuffers = defaultPlaintextBuffers
        if let serverValue = table["server"] {
            guard let serverTable = serverValue.table else { throw fail("server", "'server' must be a table") }
            for key in serverTable.keys where key != "upload_roles" && key != "plaintext_buffers" {
                throw fail(key, "unknown key '\(key)' in [server] (known: plaintext_buffers, upload_roles)")
            }
            if let value = serverTable["upload_roles"] { uploadRoles = try stringList(value, key: "upload_roles") }
            if let value = serverTable["plaintext_buffers"] {
                guard let text = value.string, let size = ByteCount.parse(text), plaintextBuffersRange.contains(size) else {
                    throw fail("plaintext_buffers", "[server] plaintext_buffers must be a size between 4MiB and 16GiB, e.g. \"128MiB\"")
                }
                plaintextBuffers = size
            }
        }
        var reviewAtIngest = defaultReviewAtIngest
        if let reviewValue = table["review"] {
            guard let reviewTable = reviewValue.table else { throw fail("review", "'review' must be a table") }
            for key in reviewTable.keys where key != "at_ingest" {
                throw fail(key, "unknown key '\(key)' in [review] (known: at_ingest)")
            }
            if let value = reviewTable["at_ingest"] { reviewAtIngest = try stringList(value, key: "at_ingest") }
        }
        var checkpoints = CheckpointSettings()
        if let auditValue = table["audit"] {
            guard let auditTable = auditValue.table else { throw fail("audit", "'audit' must be a table") }
            let known = ["checkpoint_signer", "checkpoint_passphrase_file", "checkpoint_every", "checkpoint_interval", "publish_checkpoints"]
            for key in auditTable.keys where !known.contains(key) {
                throw fail(key, "unknown key '\(key)' in [audit] (known: \(known.joined(separator: ", ")))")
            }
            func text(_ key: String) throws(VaultError) -> String? {
                guard let value = auditTable[key] else { return nil }
                guard let text = value.string, !text.isEmpty else { throw fail(key, "[audit] \(key) must be a non-empty string") }
                return text
            }
            checkpoints.signer = try text("checkpoint_signer")
            checkpoints.passphraseFile = try text("checkpoint_passphrase_file")
            checkpoints.interval = try text("checkpoint_interval")
            if let value = auditTable["checkpoint_every"] {
                guard let every = value.int, every >= 1 else { throw fail("checkpoint_every", "[audit] checkpoint_every must be a whole number of at least 1") }
                checkpoints.every = Int64(every)
            }
            if let value = auditTable["publish_checkpoints"] { checkpoints.publish = try stringList(value, key: "publish_checkpoints") }
            if checkpoints.signer == nil, checkpoints.passphraseFile != nil || !checkpoints.publish.isEmpty {
                throw fail("checkpoint_signer", "[audit] checkpoint_passphrase_file and publish_checkpoints need checkpoint_signer")
            }
        }
        var config = VaultConfig(format: format, vaultID: try string("vault_id"), catalog: try string("catalog"), blobs: try string("blobs"),
                           chunkSize: chunkSize, algorithm: algorithm, kdf: kdf, retentionSchedule: try string("retention_schedule"),
                           scopes: scopes, alwaysWrap: try table["always_wrap"].map { (v) throws(VaultError) in try stringList(v, key: "always_wrap") } ?? [],
                           passphraseFiles: passphraseFiles, subjectAccess: notice, foi: foi, erasureRoot: erasureRoot)
        config.uploadRoles = uploadRoles
        config.reviewAtIngest = reviewAtIngest
        config.plaintextBuffers = plaintextBuffers
        config.checkpoints = checkpoints
        if let oidcValue = table["oidc"] {
            guard let oidcTable = oidcValue.table else { throw fail("oidc", "'oidc' must be a table") }
            config.signIn = try SignInSettings.parse(oidcTable, fail: fail)
        }
        return config
    }
}

extension VaultConfig {
    /// Why `root` cannot be an erasure root, or nil. Only files are supported: an object store root
    /// would have to prove that it keeps no version of an overwritten object (docs/DEPLOYMENT.md).
    static func erasureRootProblem(_ root: String) -> String? {
        let path = root.hasPrefix("file:") ? String(root.dropFirst(5)) : root
        if path.isEmpty { return "[erasure] root names no file" }
        if path.contains("://") {
            return "[erasure] root must be a file (a path every node mounts, or file:PATH); object-store roots are not supported"
        }
        return nil
    }

    /// The erasure root's file: `[erasure] root`, else `erasure/root` in the vault directory.
    public func erasureRootFile(in layout: VaultLayout) -> URL {
        guard let erasureRoot else { return layout.erasureRootFile }
        let path = erasureRoot.hasPrefix("file:") ? String(erasureRoot.dropFirst(5)) : erasureRoot
        return path.hasPrefix("/") ? URL(fileURLWithPath: path).standardizedFileURL
            : layout.root.appendingPathComponent(path).standardizedFileURL
    }
}

/// `[audit]`: which checkpoint signer `serve` and `sweeper` use, how often, and where they publish.
/// Nil fields take the commands' defaults (every 1000 entries, at least every 5 minutes).
public struct CheckpointSettings: Sendable, Equatable {
    public var signer: String?
    public var passphraseFile: String?
    public var every: Int64?
    public var interval: String?
    public var publish: [String] = []

    public init() {}
}

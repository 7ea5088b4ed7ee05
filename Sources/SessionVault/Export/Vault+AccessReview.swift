import Foundation
import Retention
public import VaultCrypto
public import VaultIndex

/// The review before a subject-access release: a draft lists every item the bundle would hold,
/// officers decide the flagged ones (and may exclude any), record the health professional's
/// serious-harm opinion, and sign off; only then is the bundle written, with exactly the items
/// included. Every step is one catalog transaction with its audit entry.
extension Vault {
    /// How long a health professional's serious-harm opinion may be relied on (DPA 2018 Sch. 3
    /// Part 2: an opinion obtained within the last six months).
    static let harmOpinionValidity = 6

    /// Drafts a review of the bundle `export subject` would write for the patient: every recording
    /// (review copies instead of originals with `reviewCopies`) and the logs, with recordings of
    /// sessions that had other participants flagged and left out until an officer decides.
    /// Nothing is decrypted. `vaultPassphrase` finds the patient while the pseudonym key is still
    /// under it; an officer holding their own copy of the key needs none.
    public func draftSubjectAccessReview(patient identifier: String, vaultPassphrase: SecureBytes?, reviewCopies: Bool = false,
                                         by authority: Authority) async throws(VaultError) -> AccessReviewRecord {
        try await vaultBoundary {
            let actor = try await authorize(authority, for: .export)
            let pseudonym = try await pseudonymKey(officer: authority.officer, vaultPassphrase: vaultPassphrase).pseudonym(of: identifier)
            guard try await catalog.patient(pseudonym) != nil else {
                throw VaultError.invalidArgument("no patient with that identifier has consent on record in this vault")
            }
            let contents = try await subjectAccessContents(pseudonym: pseudonym, reviewCopies: reviewCopies)
            var review = AccessReviewRecord(patient: pseudonym, reviewCopies: reviewCopies, createdBy: actor, createdAt: clock(), items: contents.items)
            let flagged = review.items.filter { $0.flag != nil }.count
            review.id = try await catalog.addAccessReview(review, audit: AuditDraft(
                actor: actor, action: .subjectAccessReviewDraft, purpose: "subject-access",
                detail: "patient:\(pseudonym.prefix(16)); \(contents.recordings.count) recordings, \(flagged) flagged\(reviewCopies ? ", review copies" : "")"))
            return review
        }
    }

    /// A review with its items.
    public func subjectAccessReview(_ id: Int64) async throws(VaultError) -> AccessReviewRecord {
        try await vaultBoundary {
            guard let review = try await catalog.accessReview(id) else { throw VaultError.accessReviewNotFound(id) }
            return review
        }
    }

    /// Reviews, newest first (without their items).
    public func subjectAccessReviews() async throws(VaultError) -> [AccessReviewRecord] {
        try await vaultBoundary {
            try await catalog.accessReviews(patient: nil)
        }
    }

    /// An officer's decision on one item of a draft: include it (a flagged item needs a reason), or
    /// exclude it with a reason citing the exemption and the category the patient will be told.
    /// An item withheld on a health professional's opinion cannot be changed here.
    @discardableResult
    public func decideSubjectAccessItem(review id: Int64, item: String, include: Bool, category: SubjectAccessExclusion? = nil, reason: String,
                                        by officer: Officer) async throws(VaultError) -> AccessReviewItem {
        try await vaultBoundary {
            try AuditText.check(reason, field: "decision reason")
            var review = try await draftToChange(id)
            let index = try itemIndex(item, in: review)
            let current = review.items[index]
            let reason = reason.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !reason.isEmpty else { throw VaultError.invalidArgument("a decision needs a reason (--reason)") }
            if current.category == SubjectAccessExclusion.seriousHarm.rawValue {
                throw VaultError.accessReviewRefused(review: id, reason: "item \(current.key) is withheld on the health professional's serious-harm opinion; "
                                                     + "only a new review (with a new opinion) can release it")
            }
            if include {
                guard category == nil else { throw VaultError.invalidArgument("--category is for an exclusion") }
            } else {
                guard let category else {
                    throw VaultError.invalidArgument("an exclusion needs --category (\(Self.officerCategories.map(\.rawValue).joined(separator: ", ")))")
                }
                guard category != .seriousHarm else {
                    throw VaultError.accessReviewRefused(review: id, reason: "withholding for serious harm needs a health professional's opinion: "
                                                         + "record it with `export review harm \(id) ... --withhold \(current.key)`")
                }
            }
            var decided = current
            decided.decision = include ? .include : .exclude
            decided.category = include ? nil : category?.rawValue
            decided.reason = reason
            decided.decidedBy = officer.actor
            decided.decidedAt = clock()
            review.items[index] = decided
            let action: AuditAction = include ? .subjectAccessReviewInclude : .subjectAccessReviewExclude
            try await catalog.updateAccessReview(review, expectedRevision: review.revision, audit: AuditDraft(
                actor: officer.actor, role: officer.role, action: action, target: "sar-review:\(id)", purpose: "subject-access",
                detail: "\(current.key)\(current.flag.map { " (\($0))" } ?? "")\(include ? "" : " [\(category!.rawValue)]"): \(reason)"))
            return decided
        }
    }

    /// The categories an officer may exclude with directly (serious harm needs the opinion).
    static let officerCategories: [SubjectAccessExclusion] = [.thirdParty, .otherExemption]

    /// Records the appropriate health professional's opinion on whether disclosure would be likely
    /// to cause serious harm to the physical or mental health of the patient or anyone else: no
    /// serious harm (`withhold` empty), or serious harm from the items in `withhold`, which are then
    /// withheld. Once per review: a changed opinion means a new review.
    public func recordHarmOpinion(review id: Int64, professional: String, professionalRole: String, givenOn: CivilDate? = nil, withhold: [String] = [],
                                  reason: String?, by officer: Officer) async throws(VaultError) -> AccessReviewRecord {
        try await vaultBoundary {
            try AuditText.check(professional, field: "health professional's name")
            try AuditText.check(professionalRole, field: "health professional's role")
            try AuditText.check(reason, field: "serious-harm reason")
            var review = try await draftToChange(id)
            let professional = professional.trimmingCharacters(in: .whitespacesAndNewlines)
            let professionalRole = professionalRole.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !professional.isEmpty, !professionalRole.isEmpty else {
                throw VaultError.invalidArgument("name the health professional (--professional) and their role (--professional-role)")
            }
            if let existing = review.harm {
                throw VaultError.accessReviewRefused(review: id, reason: "the serious-harm opinion of \(existing.professional) was already recorded; "
                                                     + "a changed opinion needs a new review")
            }
            let today = CivilDate(clock())
            let given = givenOn ?? today
            guard given <= today else { throw VaultError.invalidArgument("--given-on \(given) is after today") }
            guard given.adding(months: Self.harmOpinionValidity) >= today else {
                throw VaultError.invalidArgument("an opinion given on \(given) is more than \(Self.harmOpinionValidity) months old: ask for a current one")
            }
            let reason = reason?.trimmingCharacters(in: .whitespacesAndNewlines)
            let indices = try Set(withhold.map { try itemIndex($0, in: review) })
            if !indices.isEmpty {
                guard let reason, !reason.isEmpty else { throw VaultError.invalidArgument("withholding for serious harm needs a reason (--reason)") }
            }
            let now = clock()
            for index in indices.sorted() {
                review.items[index].decision = .exclude
                review.items[index].category = SubjectAccessExclusion.seriousHarm.rawValue
                review.items[index].reason = reason
                review.items[index].decidedBy = officer.actor
                review.items[index].decidedAt = now
            }
            review.harm = HarmOpinion(professional: professional, professionalRole: professionalRole, givenOn: given,
                                      seriousHarm: !indices.isEmpty, reason: reason.flatMap { $0.isEmpty ? nil : $0 }, recordedBy: officer.actor,
                                      recordedAt: now)
            let outcome = indices.isEmpty ? "no serious harm" : "serious harm: withhold \(indices.sorted().map { review.items[$0].key }.joined(separator: ", "))"
            try await catalog.updateAccessReview(review, expectedRevision: review.revision, audit: AuditDraft(
                actor: officer.actor, role: officer.role, action: .subjectAccessReviewHarm, target: "sar-review:\(id)", purpose: "subject-access",
                detail: "opinion of \(professional) (\(professionalRole)) given \(given): \(outcome)"))
            review.revision += 1
            return review
        }
    }

    /// Signs off a draft for release: every flagged item decided, a current serious-harm opinion
    /// recorded, and the patient's recordings unchanged since the draft. The officer signs the
    /// decisions with their key; the release verifies that signature, so a decision altered in the
    /// catalog afterwards is not released.
    public func signOffSubjectAccessReview(_ id: Int64, by officer: Officer) async throws(VaultError) -> AccessReviewRecord {
        try await vaultBoundary {
            var review = try await draftToChange(id)
            var missing: [String] = []
            let pending = review.items.filter { $0.decision == .pending }.map(\.key)
            if !pending.isEmpty {
                missing.append("a decision (include or exclude, with a reason) on flagged item(s) \(pending.joined(separator: ", "))")
            }
            if let harm = review.harm {
                if let problem = harmOpinionProblem(harm) { missing.append(problem) }
            } else {
                missing.append("the health professional's serious-harm opinion (`export review harm \(id)`): the bundle holds health data")
            }
            guard missing.isEmpty else { throw VaultError.accessReviewIncomplete(review: id, missing: missing) }
            let contents = try await subjectAccessContents(pseudonym: review.patient, reviewCopies: review.reviewCopies)
            let changes = contents.changes(since: review)
            guard changes.isEmpty else { throw VaultError.accessReviewStale(review: id, changes: changes) }

            review.signedBy = officer.actor
            let signing = review
            let signed = officer.signDecision(at: clock()) { millis in
                Self.accessReviewMessage(vaultID: config.vaultID, review: signing, signedAtMillis: millis)
            }
            review.signedAt = signed.at
            review.signature = signed.signature
            let included = review.items.filter { $0.decision == .include }.count
            try await catalog.updateAccessReview(review, expectedRevision: review.revision, audit: AuditDraft(
                actor: officer.actor, role: officer.role, action: .subjectAccessReviewSignOff, target: "sar-review:\(id)", purpose: "subject-access",
                detail: "\(included) of \(review.items.count) items to be released; signed"))
            review.revision += 1
            return review
        }
    }

    /// A signed-off review that may be released now, with the contents to release: signed, the
    /// signature verifying against the officer's recorded key, the opinion still current, and
    /// nothing changed since the draft.
    func releasableReview(_ id: Int64) async throws -> (AccessReviewRecord, SubjectAccessContents) {
        let review = try await subjectAccessReview(id)
        guard review.isSignedOff else { throw VaultError.accessReviewNotSignedOff(review: id) }
        try await verifySignOff(review)
        guard let harm = review.harm else { throw VaultError.accessReviewTampered(review: id, reason: "signed off without a serious-harm opinion") }
        if let problem = harmOpinionProblem(harm) { throw VaultError.accessReviewRefused(review: id, reason: "it needs \(problem); draft a new review") }
        let contents = try await subjectAccessContents(pseudonym: review.patient, reviewCopies: review.reviewCopies)
        let changes = contents.changes(since: review)
        guard changes.isEmpty else { throw VaultError.accessReviewStale(review: id, changes: changes) }
        return (review, contents)
    }

    /// Why an opinion can no longer be relied on, if it cannot.
    func harmOpinionProblem(_ harm: HarmOpinion) -> String? {
        let given = harm.givenOn
        if given.adding(months: Self.harmOpinionValidity) < CivilDate(clock()) {
            return "a serious-harm opinion from the last \(Self.harmOpinionValidity) months (the one recorded was given on \(given))"
        }
        return nil
    }

    func verifySignOff(_ review: AccessReviewRecord) async throws {
        let verified = try await verifyOfficerSignature(by: review.signedBy, at: review.signedAt, signature: review.signature,
                                                        privilege: .export) { millis in
            Self.accessReviewMessage(vaultID: config.vaultID, review: review, signedAtMillis: millis)
        }
        if case .failure(let refusal) = verified { throw VaultError.accessReviewTampered(review: review.id ?? 0, reason: refusal.reason) }
    }

    /// The exact bytes an officer signs to sign off a review: every field that decides what is
    /// released and why, each length-prefixed.
    static func accessReviewMessage(vaultID: String, review: AccessReviewRecord, signedAtMillis: Int64) -> [UInt8] {
        var bytes = Array("sessionvault.sar-review.v1".utf8)
        func field(_ text: String?) {
            let utf8 = Array((text ?? "\u{0}none").utf8)
            withUnsafeBytes(of: UInt32(utf8.count).bigEndian) { bytes += $0 }
            bytes += utf8
        }
        field(vaultID)
        field(review.id.map(String.init))
        field(review.patient)
        field(review.reviewCopies ? "review-copies" : "originals")
        field(String(review.items.count))
        for item in review.items {
            field(item.key)
            field(item.kind.rawValue)
            field(item.flag)
            field(item.decision.rawValue)
            field(item.category)
            field(item.reason)
            field(item.decidedBy)
        }
        field(review.harm?.professional)
        field(review.harm?.professionalRole)
        field(review.harm?.givenOn.description)
        field(review.harm.map { $0.seriousHarm ? "serious-harm" : "no-serious-harm" })
        field(review.harm?.reason)
        field(review.harm?.recordedBy)
        field(review.signedBy)
        withUnsafeBytes(of: signedAtMillis.bigEndian) { bytes += $0 }
        return bytes
    }

    /// A review that may still change: it exists and is not signed off.
    private func draftToChange(_ id: Int64) async throws -> AccessReviewRecord {
        let review = try await subjectAccessReview(id)
        guard !review.isSignedOff else {
            throw VaultError.accessReviewRefused(review: id, reason: "it was signed off by \(review.signedBy ?? "?") and can no longer change; "
                                                 + "draft a new review to change a decision")
        }
        return review
    }

    /// The index of an item named by its key (a recording id, or a log's kind) or a unique prefix of
    /// at least 8 characters of a recording id.
    private func itemIndex(_ name: String, in review: AccessReviewRecord) throws -> Int {
        let id = review.id ?? 0
        let wanted = name.lowercased()
        if let exact = review.items.firstIndex(where: { $0.key == wanted }) { return exact }
        let matches = wanted.count >= 8 ? review.items.indices.filter { review.items[$0].kind == .recording && review.items[$0].key.hasPrefix(wanted) } : []
        guard matches.count == 1 else {
            throw VaultError.accessReviewRefused(review: id, reason: matches.isEmpty
                ? "it has no item '\(name)' (items: recording ids, \(AccessReviewItem.Kind.allCases.dropFirst().map(\.rawValue).joined(separator: ", ")))"
                : "'\(name)' names \(matches.count) items; give more of the recording id")
        }
        return matches[0]
    }
}

import ArgumentParser
import Foundation
import Retention
import SessionVault

/// `export review ...`: the decisions on a subject-access draft made by `export subject --review`.
struct SubjectAccessReviewCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "review",
        abstract: "Review a subject-access draft before release: decide items, record the serious-harm opinion, sign off.",
        discussion: """
            A draft (`export subject --patient ID --review`) lists every item the bundle would hold: each recording and the logs \
            (consent-history, access-log, destruction-records). Recordings of sessions with other participants are flagged and left out \
            until an officer decides. Each decision is made by a proven officer (--officer / $SESSIONVAULT_OFFICER), with a reason, \
            audited, and cannot change once the draft is signed off. An ITEM is a recording id (or 8+ of its first characters) or a log's name.
            """,
        subcommands: [List.self, Show.self, Include.self, Exclude.self, Harm.self, SignOff.self])

    /// Prints a review: its state, the opinion, and every item with its flag and decision.
    static func printReview(_ review: AccessReviewRecord) {
        let state = review.signedBy.map { "signed off by \($0)" + (review.releasedAt != nil ? ", released" : "") } ?? "DRAFT (not signed off)"
        print("Review \(review.id ?? 0): \(state); \(review.reviewCopies ? "review copies" : "originals"); drafted by \(review.createdBy)")
        if let harm = review.harm {
            let outcome = harm.seriousHarm ? "serious harm: items withheld" : "no serious harm"
            print("Serious-harm opinion: \(harm.professional) (\(harm.professionalRole)), given \(harm.givenOn): \(outcome)")
        } else {
            print("Serious-harm opinion: not recorded yet (`export review harm \(review.id ?? 0) ...`)")
        }
        printTable(header: ["ITEM", "KIND", "SESSION", "CAPTURED", "FLAG", "DECISION", "CATEGORY", "BY"], rows: review.items.map { item in
            [item.key, item.kind.rawValue, item.session ?? "", item.capturedOn?.description ?? "", item.flag ?? "",
             item.decision == .pending ? "PENDING (left out)" : item.decision.rawValue, item.category ?? "", item.decidedBy ?? (item.decision == .pending ? "" : "default")]
        })
        let pending = review.items.filter { $0.decision == .pending }.count
        if pending > 0 { print("\(pending) flagged item(s) need a decision before sign-off") }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "ls", abstract: "List subject-access reviews, newest first.")
        @OptionGroup var vault: VaultOptions
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            try await reportingErrors {
                let reviews = try await vault.withVault { try await $0.subjectAccessReviews() }
                if json { try printJSON(reviews); return }
                if reviews.isEmpty { print("No subject-access reviews."); return }
                let formatter = ISO8601DateFormatter()
                printTable(header: ["ID", "DRAFTED", "BY", "STATE", "HARM OPINION"], rows: reviews.map { r in
                    [String(r.id ?? 0), formatter.string(from: r.createdAt), r.createdBy,
                     r.signedBy.map { "signed off by \($0)" + (r.releasedAt != nil ? ", released" : "") } ?? "draft",
                     r.harm.map { "\($0.professional), \($0.givenOn)" } ?? "-"]
                })
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a review: every item, its flag and decision, the opinion and the sign-off.")
        @OptionGroup var vault: VaultOptions
        @Argument(help: "The review (draft) id.") var draft: Int64
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            try await reportingErrors {
                let review = try await vault.withVault { try await $0.subjectAccessReview(draft) }
                if json { try printJSON(review); return }
                SubjectAccessReviewCommand.printReview(review)
            }
        }
    }

    struct Include: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Release an item (e.g. a flagged group session) after considering the other people in it; a reason is required.")
        @OptionGroup var vault: VaultOptions
        @Argument(help: "The review (draft) id.") var draft: Int64
        @Argument(help: "The item: a recording id (or its first 8+ characters), consent-history, access-log or destruction-records.") var item: String
        @Option(help: "Why it may be released (e.g. the other participants consented, or it is reasonable without their consent).") var reason: String
        @OptionGroup var officer: OfficerOptions

        func run() async throws {
            try await reportingErrors {
                try await vault.withVault { opened in
                    let proven = try await officer.require(opened, for: .export)
                    let decided = try await opened.decideSubjectAccessItem(review: draft, item: item, include: true, reason: reason, by: proven)
                    print("Review \(draft): \(decided.key) will be released (decided by \(proven.actor))")
                }
            }
        }
    }

    struct Exclude: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Withhold an item, with the reason category the patient is told and a reason citing the exemption.")
        @OptionGroup var vault: VaultOptions
        @Argument(help: "The review (draft) id.") var draft: Int64
        @Argument(help: "The item: a recording id (or its first 8+ characters), consent-history, access-log or destruction-records.") var item: String
        @Option(help: "third-party (information about other people) or other-exemption. Serious harm is recorded with `export review harm`.")
        var category: String
        @Option(help: "The reason, citing the exemption (e.g. 'DPA 2018 Sch. 2 Part 3 para 16: other group members did not consent'). Kept in the review, not in the bundle.")
        var reason: String
        @OptionGroup var officer: OfficerOptions

        func validate() throws {
            guard let parsed = SubjectAccessExclusion(rawValue: category), parsed != .seriousHarm else {
                throw ValidationError("--category must be third-party or other-exemption (serious harm: `export review harm ... --withhold ITEM`)")
            }
        }

        func run() async throws {
            try await reportingErrors {
                try await vault.withVault { opened in
                    let proven = try await officer.require(opened, for: .export)
                    let decided = try await opened.decideSubjectAccessItem(review: draft, item: item, include: false,
                                                                           category: SubjectAccessExclusion(rawValue: category), reason: reason, by: proven)
                    print("Review \(draft): \(decided.key) will be withheld (\(category); decided by \(proven.actor))")
                }
            }
        }
    }

    struct Harm: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Record the appropriate health professional's serious-harm opinion (required before sign-off).",
            discussion: """
                DPA 2018 Sch. 3 Part 2: health data may be withheld where disclosure would be likely to cause serious harm to the physical \
                or mental health of the patient or another individual; a controller that is not a health professional consults the \
                appropriate one (usually the clinician responsible for the patient's care) and may rely on an opinion for six months. \
                Give --no-serious-harm, or --withhold ITEM (repeatable) with --reason. Recorded once per review: a changed opinion needs \
                a new review.
                """)
        @OptionGroup var vault: VaultOptions
        @Argument(help: "The review (draft) id.") var draft: Int64
        @Option(help: "The health professional consulted.") var professional: String
        @Option(help: "Their role (e.g. 'consultant psychiatrist, responsible clinician').") var professionalRole: String
        @Option(help: ArgumentHelp("The day they gave the opinion (default: today; within the last six months).", valueName: "YYYY-MM-DD"))
        var givenOn: CivilDate?
        @Flag(help: "Their opinion: releasing the items would not be likely to cause serious harm.") var noSeriousHarm = false
        @Option(help: ArgumentHelp("An item whose release would be likely to cause serious harm, in their opinion (repeatable).", valueName: "ITEM"))
        var withhold: [String] = []
        @Option(help: "The reason (required with --withhold). Kept in the review, not in the bundle.") var reason: String?
        @OptionGroup var officer: OfficerOptions

        func validate() throws {
            guard noSeriousHarm != !withhold.isEmpty else { throw ValidationError("give exactly one of --no-serious-harm and --withhold ITEM") }
            if !withhold.isEmpty, reason?.isEmpty ?? true { throw ValidationError("--withhold needs --reason") }
        }

        func run() async throws {
            try await reportingErrors {
                try await vault.withVault { opened in
                    let proven = try await officer.require(opened, for: .export)
                    let review = try await opened.recordHarmOpinion(review: draft, professional: professional, professionalRole: professionalRole,
                                                                    givenOn: givenOn, withhold: withhold, reason: reason, by: proven)
                    print("Review \(draft): serious-harm opinion of \(professional) recorded (\(review.harm?.seriousHarm == true ? "\(withhold.count) item(s) withheld" : "no serious harm"))")
                }
            }
        }
    }

    struct SignOff: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "sign-off",
            abstract: "Sign off a draft for release: every flagged item decided, the serious-harm opinion recorded, nothing changed since.")
        @OptionGroup var vault: VaultOptions
        @Argument(help: "The review (draft) id.") var draft: Int64
        @OptionGroup var officer: OfficerOptions

        func run() async throws {
            try await reportingErrors {
                try await vault.withVault { opened in
                    let proven = try await officer.require(opened, for: .export)
                    let review = try await opened.signOffSubjectAccessReview(draft, by: proven)
                    let included = review.items.filter { $0.decision == .include }.count
                    print("Review \(draft) signed off by \(proven.actor): \(included) of \(review.items.count) items will be released. "
                          + "Release it with: export subject --from-review \(draft) --out FILE.age --recipient age1...")
                }
            }
        }
    }
}

import Foundation
import Retention
public import VaultIndex

extension Vault {
    /// Registers a subject-access or FOI request and computes its statutory due date: one
    /// calendar month for a SAR (three if extended), 20 working days for FOI (weekends and
    /// England and Wales bank holidays excluded).
    public func addRequest(kind: RequestRecord.Kind, received: String, extended: Bool = false, reference: String? = nil,
                           actor: String = Vault.defaultActor) async throws -> RequestRecord {
        guard let day = CivilDate(received) else { throw VaultError.invalidArgument("invalid --received '\(received)': expected YYYY-MM-DD") }
        guard day.startOfDayUTC <= clock() else { throw VaultError.invalidArgument("--received \(received) is in the future") }
        let due: CivilDate
        switch kind {
        case .sar: due = StatutoryDeadline.subjectAccess(received: day, extended: extended)
        case .foi: due = StatutoryDeadline.foi(received: day)
        }
        var record = RequestRecord(kind: kind, receivedOn: received, dueOn: due.description, reference: reference)
        record.id = try await catalog.addRequest(record, audit: AuditDraft(actor: actor, action: "request.add", purpose: kind.rawValue,
                                                                           detail: "received \(received), due \(due)"))
        return record
    }

    /// Open requests past their due date on `today`.
    public func overdueRequests() async throws -> [RequestRecord] {
        let today = self.today()
        return try await catalog.requests(openOnly: true).filter { $0.dueOn < today }
    }
}

/// On whose authority a privileged act is done: a proven ``Officer``, or, only while the vault has
/// no officer yet, a named actor taken at their word.
///
/// Every privileged `Vault` operation takes one and checks it itself (``Vault/authorize(_:for:)``),
/// so a front end cannot do such an act past the proof: once a vault has an officer, an
/// ``unproven(_:)`` authority is refused, and an officer whose role may not do the act is refused.
public struct Authority: Sendable {
    enum Kind: Sendable {
        case officer(Officer)
        case unproven(String)
    }

    let kind: Kind

    /// A proven officer (made only by ``Vault/proveOfficer(_:passphrase:for:)``).
    public static func officer(_ officer: Officer) -> Authority { Authority(kind: .officer(officer)) }

    /// An actor named without proof (for example `cli:$USER`): accepted only while the vault has no
    /// officer (a new vault being set up, or one made before officers existed), and audited as such.
    public static func unproven(_ actor: String) -> Authority { Authority(kind: .unproven(actor)) }

    /// How the act appears in the audit trail.
    public var actor: String {
        switch kind {
        case .officer(let officer): return officer.actor
        case .unproven(let actor): return actor
        }
    }

    /// The proven officer, if this authority is one.
    public var officer: Officer? {
        if case .officer(let officer) = kind { return officer }
        return nil
    }
}

extension Vault {
    /// Checks that `authority` may do `privilege` now and returns the actor to audit it as.
    ///
    /// An officer must have a role the privilege allows. An unproven actor is accepted only while
    /// ``officersRequired()`` is false; approving a destruction or extending a retention period
    /// always needs an officer (those decisions are signed).
    func authorize(_ authority: Authority, for privilege: OfficerPrivilege) async throws -> String {
        switch authority.kind {
        case .officer(let officer):
            guard privilege.allowedRoles.contains(officer.role) else {
                throw VaultError.officerRefused(name: officer.name, reason: "role '\(officer.role)' may not \(privilege.rawValue) "
                                                + "(allowed: \(privilege.allowedRoles.sorted().joined(separator: ", ")))")
            }
            return officer.actor
        case .unproven(let actor):
            let alwaysProven: Set<OfficerPrivilege> = [.approveDisposal, .extendRetention]
            let required = try await officersRequired()
            if required || alwaysProven.contains(privilege) {
                throw VaultError.officerRequired(privilege: privilege.rawValue, actor: actor)
            }
            return actor
        }
    }
}

/// What an audit entry records. Its raw value is what the trail stores and shows; the names are
/// part of the trail's format (auditors filter on them), so a case is never renamed.
public enum AuditAction: String, Sendable, Hashable, CaseIterable {
    // Set-up and keys
    case vaultInit = "vault.init"
    case scheduleAdopt = "schedule.adopt"
    case roleAdd = "role.add"
    case roleRotateBegin = "role.rotate.begin"
    case roleRotate = "role.rotate"
    case auditSignerAdd = "audit.signer.add"
    case userAdd = "user.add"
    case userRevoke = "user.revoke"
    /// An officer's enrolment signed by another (or, for the vault's first officer, by themselves).
    case officerEndorse = "officer.endorse"
    /// The pseudonym key sealed to officers (and its vault-passphrase copy removed).
    case pseudonymKeyCustody = "pseudonym.custody"
    case officerProof = "officer.proof"
    // Staff sessions (sign-in through the organisation's identity provider)
    /// A staff member signed in (outcome `ok`), or was refused (outcome `refused`, with the reason).
    case sessionSignIn = "session.sign-in"
    /// A staff member signed out, or their session ended by its idle or absolute timeout.
    case sessionSignOut = "session.sign-out"
    // Recordings
    case ingest
    case get
    case list
    case metadata
    case review
    case auditView = "audit.view"
    // Consent and patients
    case consentRecord = "consent.record"
    case consentRenew = "consent.renew"
    /// An officer signed consent registers as they stood (the first officer's enrolment, `fsck --repair`).
    case consentSeal = "consent.seal"
    case consentWithdraw = "consent.withdraw"
    case patientEvent = "patient.event"
    case patientCorrection = "patient.correction"
    // Retention and destruction
    case holdPlace = "hold.place"
    case holdRelease = "hold.release"
    case dispositionApprove = "disposition.approve"
    case dispositionExtend = "disposition.extend"
    case dispositionRefused = "disposition.refused"
    case destroyShred = "destroy.shred"
    case destroy
    // Requests and disclosure
    case requestAdd = "request.add"
    case requestPause = "request.pause"
    case requestResume = "request.resume"
    case requestExtend = "request.extend"
    case requestClose = "request.close"
    case exportSubject = "export.subject"
    case exportFOI = "export.foi"
    case subjectAccessReviewDraft = "sar.review.draft"
    case subjectAccessReviewInclude = "sar.review.include"
    case subjectAccessReviewExclude = "sar.review.exclude"
    case subjectAccessReviewHarm = "sar.review.harm"
    case subjectAccessReviewSignOff = "sar.review.sign-off"
    // Maintenance
    case fsckRepair = "fsck.repair"
    /// A recording's chunks rewritten in the current format (`fsck --upgrade`).
    case formatUpgrade = "fsck.upgrade"
    case gc
    case gcDiscardStaging = "gc.discard-staging"
    case verifyManifests = "verify.manifests"
}

/// The rule for free text that the vault keeps in the audit trail and its records: an access
/// purpose, a break-glass reason, a hold's reason and case reference, a correction, consent
/// evidence, a request's reference or extension reason, a review decision's reason.
///
/// Such text is read later by people deciding whether an access or an act was proper, in a
/// terminal, a web page or an exported report. A Unicode text-direction control (U+202A–U+202E,
/// U+2066–U+2069, U+200E, U+200F, U+061C) makes what a reader sees differ from what is stored
/// ("Trojan Source": a reason that displays as "care" but reads otherwise), and a control
/// character (U+0000–U+001F, U+007F–U+009F: newlines, escapes, tabs) or a line or paragraph
/// separator (U+2028, U+2029) can forge the look of another line or recolour a terminal. So
/// none of them is accepted, with no exception; everything else (any script, accents, emoji) is.
/// Every `Vault` entry point that takes such text checks it here, so the CLI and the service
/// refuse the same text with the same error (``VaultError/Code/invalidText``), before anything changes.
public enum AuditText {
    /// The text-direction controls refused.
    static let bidiControls: Set<UInt32> = [0x061C, 0x200E, 0x200F, 0x202A, 0x202B, 0x202C, 0x202D, 0x202E,
                                            0x2066, 0x2067, 0x2068, 0x2069]

    /// Whether `scalar` may appear in free text.
    public static func isAllowed(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        if value < 0x20 || (0x7F...0x9F).contains(value) { return false }
        if value == 0x2028 || value == 0x2029 { return false }
        return !bidiControls.contains(value)
    }

    /// Throws ``VaultError/invalidText(field:character:)`` naming `field` and the first refused
    /// character, if `text` holds one. `field` is how the vault names the text ("hold reason").
    public static func check(_ text: String, field: String) throws(VaultError) {
        if let bad = text.unicodeScalars.first(where: { !isAllowed($0) }) {
            throw VaultError.invalidText(field: field, character: "U+" + String(bad.value, radix: 16, uppercase: true).leftPadded(to: 4))
        }
    }

    /// ``check(_:field:)`` for text that may be absent.
    public static func check(_ text: String?, field: String) throws(VaultError) {
        if let text { try check(text, field: field) }
    }
}

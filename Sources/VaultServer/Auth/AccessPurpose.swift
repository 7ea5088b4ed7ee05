import Foundation
import HTTPTypes
import Hummingbird

/// Why a request touches a recording, as recorded in the audit trail: `X-Purpose` (or `?purpose=`,
/// default `care`), or a break-glass reason from `X-Break-Glass-Reason` (or `?break_glass=`),
/// recorded as `break-glass: <reason>` and flagged.
struct AccessPurpose: Sendable {
    var text: String
    var breakGlass: Bool

    static let maxLength = 200

    static func from(_ request: Request) throws -> AccessPurpose {
        let query = request.uri.queryParameters
        if let reason = request.headers[.breakGlassReason] ?? query.get("break_glass").map({ String($0) }) {
            let trimmed = reason.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !trimmed.isEmpty else { throw APIError(.badRequest, "break-glass access needs a stated reason") }
            return AccessPurpose(text: "break-glass: " + clean(trimmed), breakGlass: true)
        }
        let purpose = request.headers[.purpose] ?? query.get("purpose").map({ String($0) }) ?? "care"
        let trimmed = purpose.trimmingCharacters(in: .whitespacesAndNewlines)
        return AccessPurpose(text: trimmed.isEmpty ? "care" : clean(trimmed), breakGlass: false)
    }

    /// Printable characters only, bounded, so a purpose cannot forge audit lines.
    static func clean(_ text: String) -> String {
        String(String(text.unicodeScalars.filter { $0.value >= 0x20 && $0.value != 0x7F }).prefix(maxLength))
    }
}

extension HTTPField.Name {
    static let breakGlassReason = HTTPField.Name("X-Break-Glass-Reason")!
    static let purpose = HTTPField.Name("X-Purpose")!
}

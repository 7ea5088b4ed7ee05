import ByteRanges
import SessionVault

/// What a `GET` of content answers, given `Range` and `If-Range` (RFC 9110 §14).
///
/// - no `Range`, a unit other than `bytes`, or an `If-Range` that does not match the strong ETag → 200, whole body;
/// - several ranges → 200, whole body (a server may ignore `Range`; multipart answers are not produced);
/// - one satisfiable range → 206 with `Content-Range`;
/// - a malformed or unsatisfiable `bytes` range → 416 with `Content-Range: bytes */SIZE`.
enum RangeRequest: Equatable {
    case full
    case partial(Range<Int64>)
    case unsatisfiable

    static func decide(range: String?, ifRange: String?, etag: String, size: Int64) -> RangeRequest {
        guard let range else { return .full }
        if let ifRange, ifRange.trimmingCharacters(in: .whitespaces) != etag { return .full }
        let trimmed = range.trimmingCharacters(in: .whitespaces)
        guard let equals = trimmed.firstIndex(of: "="), trimmed[..<equals].trimmingCharacters(in: .whitespaces).lowercased() == "bytes" else {
            return .full
        }
        let specs = trimmed[trimmed.index(after: equals)...].split(separator: ",", omittingEmptySubsequences: false)
        guard specs.count == 1 else { return .full }
        guard let spec = try? ByteRangeSpec(parsing: String(specs[0])), let resolved = spec.resolve(size: size) else { return .unsatisfiable }
        return .partial(resolved)
    }
}

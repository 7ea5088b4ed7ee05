import Foundation

/// What a `GET` of content answers, given `Range` and `If-Range` (RFC 9110 §14).
///
/// - no `Range`, a unit other than `bytes`, or an `If-Range` that does not match the strong ETag → 200, whole body;
/// - one satisfiable range → 206 with `Content-Range`;
/// - two to 16 satisfiable ranges adding up to no more than the recording → 206 `multipart/byteranges`;
///   more ranges, or overlaps adding up to more → 200, whole body (RFC 9110 lets a server ignore `Range`);
/// - a malformed or unsatisfiable `bytes` range → 416 with `Content-Range: bytes */SIZE`.
public enum RangeRequest: Sendable, Hashable {
    /// 200 with the whole body.
    case full
    /// 206 with one `Content-Range`.
    case partial(Range<Int64>)
    /// Two or more satisfiable ranges, in the order asked: a `multipart/byteranges` answer.
    case multipart([Range<Int64>])
    /// 416: the ranges are malformed or select nothing.
    case unsatisfiable

    /// The most ranges one request may ask for; a longer list is ignored (the whole body is sent).
    public static let maxRanges = 16

    /// Decides how to answer a `Range` header (RFC 9110 §14). Several ranges are honoured as a
    /// multipart answer unless they are many (more than ``maxRanges``) or overlap so much that they
    /// add up to more than the whole recording: then, as the RFC allows, the header is ignored, so a
    /// client cannot make the service decrypt a recording many times over in one request. Ranges
    /// that select nothing are dropped; if none is left the answer is 416.
    public static func decide(range: String?, ifRange: String?, etag: String, size: Int64) -> RangeRequest {
        guard let range else { return .full }
        if let ifRange, ifRange.trimmingCharacters(in: .whitespaces) != etag { return .full }
        let trimmed = range.trimmingCharacters(in: .whitespaces)
        guard let equals = trimmed.firstIndex(of: "="), trimmed[..<equals].trimmingCharacters(in: .whitespaces).lowercased() == "bytes" else {
            return .full
        }
        // Empty list elements are allowed and skipped (RFC 9110 §5.6.1); none at all is malformed.
        let specs = trimmed[trimmed.index(after: equals)...].split(separator: ",").filter { !$0.allSatisfy(\.isWhitespace) }
        guard !specs.isEmpty else { return .unsatisfiable }
        guard specs.count <= maxRanges else { return .full }
        var resolved: [Range<Int64>] = []
        for text in specs {
            guard let spec = try? ByteRangeSpec(parsing: String(text)) else { return .unsatisfiable }
            if let part = spec.resolve(size: size) { resolved.append(part) }
        }
        switch resolved.count {
        case 0: return .unsatisfiable
        case 1: return .partial(resolved[0])
        default:
            guard resolved.reduce(0, { $0 + $1.count }) <= size else { return .full }
            return .multipart(resolved)
        }
    }
}

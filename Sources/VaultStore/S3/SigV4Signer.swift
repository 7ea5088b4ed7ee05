public import Foundation
import Crypto

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// AWS Signature Version 4 for requests signed in the `Authorization` header.
///
/// The caller gives the path and query already in canonical (URI-encoded) form and sends exactly
/// that on the wire, so what is signed is what is sent. For S3 each path segment is encoded once
/// (``uriEncode(_:encodeSlash:)``), never twice as for other services.
public struct SigV4Signer: Sendable, CustomStringConvertible, CustomReflectable {
    /// What one signing produced: the intermediate texts (for tests and debugging; they hold no
    /// secret) and the header value.
    public struct Signature: Sendable, Hashable {
        public let canonicalRequest: String
        public let stringToSign: String
        /// 64 lowercase hex digits.
        public let signature: String
        /// `host;x-amz-date;…`, sorted.
        public let signedHeaders: String
        /// The complete `Authorization` header value.
        public let authorization: String
    }

    /// SHA-256 of the empty string, the payload hash of bodiless requests.
    public static let emptyPayloadSHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

    public let accessKeyID: String
    private let secretAccessKey: String
    public let region: String
    public let service: String

    public init(accessKeyID: String, secretAccessKey: String, region: String, service: String = "s3") {
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.region = region
        self.service = service
    }

    /// Names the access key, region and service; never the secret.
    public var description: String { "SigV4Signer(\(accessKeyID), \(region), \(service))" }

    /// Mirrors the public fields only, so that `dump` cannot show the secret.
    public var customMirror: Mirror {
        Mirror(self, children: ["accessKeyID": accessKeyID, "region": region, "service": service])
    }

    /// Signs a request.
    ///
    /// - Parameters:
    ///   - method: `GET`, `PUT`, …
    ///   - canonicalPath: the URI-encoded absolute path as sent (`/bucket/key`), `/` for the root.
    ///   - query: the query parameters, unencoded; they are encoded and sorted here
    ///     (see ``canonicalQueryString(_:)``, which also gives the string to send).
    ///   - headers: every header to sign, names in any case; `host` and `x-amz-date` must be among
    ///     them. Repeated names are joined with commas in the order given.
    ///   - payloadSHA256: lowercase hex SHA-256 of the body, or `UNSIGNED-PAYLOAD`.
    ///   - date: the instant in `x-amz-date`; the credential scope takes its UTC day.
    public func sign(
        method: String, canonicalPath: String, query: [(String, String)], headers: [(String, String)],
        payloadSHA256: String, date: Date
    ) -> Signature {
        var merged: [String: [String]] = [:]
        for (name, value) in headers {
            merged[name.lowercased(), default: []].append(Self.trimmedHeaderValue(value))
        }
        let names = merged.keys.sorted()
        let canonicalHeaders = names.map { "\($0):\(merged[$0]!.joined(separator: ","))\n" }.joined()
        let signedHeaders = names.joined(separator: ";")
        let canonicalRequest = [
            method, canonicalPath, Self.canonicalQueryString(query), canonicalHeaders, signedHeaders, payloadSHA256,
        ].joined(separator: "\n")

        let (day, dateTime) = Self.amzDate(date)
        let scope = "\(day)/\(region)/\(service)/aws4_request"
        let stringToSign = [
            "AWS4-HMAC-SHA256", dateTime, scope, Self.hex(SHA256.hash(data: Array(canonicalRequest.utf8))),
        ].joined(separator: "\n")

        var key = SymmetricKey(data: Array(("AWS4" + secretAccessKey).utf8))
        for part in [day, region, service, "aws4_request"] {
            key = SymmetricKey(data: Data(HMAC<SHA256>.authenticationCode(for: Array(part.utf8), using: key)))
        }
        let signature = Self.hex(HMAC<SHA256>.authenticationCode(for: Array(stringToSign.utf8), using: key))
        let authorization =
            "AWS4-HMAC-SHA256 Credential=\(accessKeyID)/\(scope), SignedHeaders=\(signedHeaders), Signature=\(signature)"
        return Signature(
            canonicalRequest: canonicalRequest, stringToSign: stringToSign, signature: signature,
            signedHeaders: signedHeaders, authorization: authorization)
    }

    // MARK: - Canonical forms

    /// Percent-encodes everything but the unreserved characters `A-Z a-z 0-9 - . _ ~` (and `/` unless
    /// `encodeSlash`), as uppercase `%XX` of the UTF-8 bytes: AWS's `UriEncode`.
    public static func uriEncode(_ text: String, encodeSlash: Bool = true) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            case UInt8(ascii: "/") where !encodeSlash:
                out.append("/")
            default:
                out += "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
            }
        }
        return out
    }

    /// `name=value` pairs, each side ``uriEncode(_:encodeSlash:)``d, sorted by encoded name then value,
    /// joined with `&`. A parameter without a value is `name=`. This is also the query string to send.
    public static func canonicalQueryString(_ query: [(String, String)]) -> String {
        let encoded: [(name: String, value: String)] = query.map { (uriEncode($0.0), uriEncode($0.1)) }
        let sorted = encoded.sorted { (a, b) -> Bool in a.name == b.name ? a.value < b.value : a.name < b.name }
        return sorted.map { $0.name + "=" + $0.value }.joined(separator: "&")
    }

    /// Header values with leading and trailing spaces removed and inner runs of spaces made one.
    static func trimmedHeaderValue(_ value: String) -> String {
        value.split(whereSeparator: { $0 == " " || $0 == "\t" }).joined(separator: " ")
    }

    /// `(YYYYMMDD, YYYYMMDDTHHMMSSZ)` in UTC.
    static func amzDate(_ date: Date) -> (day: String, dateTime: String) {
        var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func two(_ value: Int32) -> String { String(Int(value)).leftPadded(to: 2) }
        let year = String(Int(parts.tm_year) + 1900).leftPadded(to: 4)
        let day = year + two(parts.tm_mon + 1) + two(parts.tm_mday)
        let time = two(parts.tm_hour) + two(parts.tm_min) + two(parts.tm_sec)
        return (day, day + "T" + time + "Z")
    }

    static func hex<D: Sequence>(_ bytes: D) -> String where D.Element == UInt8 {
        bytes.map { String($0, radix: 16).leftPadded(to: 2) }.joined()
    }
}

extension String {
    /// The string with `0`s in front up to `width` characters.
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}

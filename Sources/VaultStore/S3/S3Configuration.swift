public import Foundation

/// Where and how an ``S3BlobStore`` reaches its bucket.
///
/// The secret access key is kept out of ``description`` and out of every error and log line; only
/// the access key id's first four characters ever appear (in ``description``).
public struct S3Configuration: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible,
    CustomReflectable
{
    /// How the bucket is named in request URLs.
    public enum AddressingStyle: String, Sendable, Hashable {
        /// `http://host:port/BUCKET/KEY`: the form SeaweedFS, MinIO and most gateways expect.
        case path
        /// `http://BUCKET.host:port/KEY`: the form AWS prefers; the bucket must be a valid DNS label.
        case virtualHost = "virtual-host"
    }

    /// The Object Lock retention mode written with each blob that has a retain-until date.
    public enum ObjectLockMode: String, Sendable, Hashable {
        /// No principal, not even the account root, can delete a version before its date or shorten it.
        case compliance = "COMPLIANCE"
        /// Principals granted `s3:BypassGovernanceRetention` can delete early by asking to bypass
        /// (this store never asks); everyone else is refused.
        case governance = "GOVERNANCE"
    }

    /// How failed requests are retried: up to `maxAttempts` in all, the n-th retry waiting a random
    /// time between half and all of `baseBackoff × 2ⁿ⁻¹` (never more than `maxBackoff`).
    public struct RetryPolicy: Sendable, Hashable {
        /// Attempts in all, the first included (at least 1).
        public var maxAttempts: Int
        /// The longest wait before the first retry.
        public var baseBackoff: Duration
        /// The cap on any single wait.
        public var maxBackoff: Duration

        public init(maxAttempts: Int = 4, baseBackoff: Duration = .milliseconds(200), maxBackoff: Duration = .seconds(10)) {
            self.maxAttempts = max(1, maxAttempts)
            self.baseBackoff = baseBackoff
            self.maxBackoff = maxBackoff
        }

        /// Four attempts, waits of 0.1–0.2 s, 0.2–0.4 s and 0.4–0.8 s between them.
        public static let standard = RetryPolicy()
        /// A single attempt.
        public static let none = RetryPolicy(maxAttempts: 1)
    }

    /// The service's base URL, `http://` or `https://` host and optional port, no path.
    public var endpoint: URL
    /// The signing region (SeaweedFS and MinIO accept any; AWS needs the bucket's own).
    public var region: String
    public var bucket: String
    /// Prepended to every blob key (e.g. `vault1/`), so that several vaults can share a bucket.
    /// Empty, or a relative path ending in `/`.
    public var keyPrefix: String
    public var addressingStyle: AddressingStyle
    public var accessKeyID: String
    /// Never printed, logged or put in an error.
    public var secretAccessKey: String
    /// The bucket has Object Lock enabled and retention is written in this mode; nil for a bucket
    /// without Object Lock, in which case retain-until dates and legal holds are not applied.
    public var objectLockMode: ObjectLockMode?
    /// The most one request may take, from connecting to the last byte of the answer.
    public var requestTimeout: Duration
    public var retryPolicy: RetryPolicy
    /// The page size asked of listings (S3 caps it at 1000); small values are for tests.
    public var listPageSize: Int
    /// A PEM file of the certificate authorities to trust for an `https` endpoint instead of the
    /// system's (an organisation's own CA); nil: the system's trust store.
    public var trustedCAFile: String?

    public init(
        endpoint: URL, region: String = "us-east-1", bucket: String, keyPrefix: String = "",
        addressingStyle: AddressingStyle = .path, accessKeyID: String, secretAccessKey: String,
        objectLockMode: ObjectLockMode? = nil, requestTimeout: Duration = .seconds(60),
        retryPolicy: RetryPolicy = .standard, listPageSize: Int = 1000, trustedCAFile: String? = nil
    ) throws(BlobStoreError) {
        self.endpoint = endpoint
        self.region = region
        self.bucket = bucket
        self.keyPrefix = keyPrefix
        self.addressingStyle = addressingStyle
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.objectLockMode = objectLockMode
        self.requestTimeout = requestTimeout
        self.retryPolicy = retryPolicy
        self.listPageSize = min(max(1, listPageSize), 1000)
        self.trustedCAFile = trustedCAFile
        try validate()
    }

    /// The endpoint as `scheme://host[:port]`, for messages: it never holds credentials.
    public var endpointDescription: String {
        let scheme = endpoint.scheme ?? "http"
        let host = endpoint.host ?? "?"
        let shownHost = host.contains(":") ? "[\(host)]" : host
        return endpoint.port.map { "\(scheme)://\(shownHost):\($0)" } ?? "\(scheme)://\(shownHost)"
    }

    /// `s3://BUCKET/PREFIX at ENDPOINT (style, lock mode, key AKID…)`; never the secret.
    public var description: String {
        let lock = objectLockMode.map { "object lock \($0.rawValue)" } ?? "no object lock"
        let keyHint = String(accessKeyID.prefix(4)) + "…"
        return "s3://\(bucket)/\(keyPrefix) at \(endpointDescription) (\(addressingStyle.rawValue) style, region \(region), \(lock), access key \(keyHint))"
    }

    public var debugDescription: String { description }

    /// Mirrors every field but the secret, so that `dump` and test failure messages cannot show it.
    public var customMirror: Mirror {
        Mirror(self, children: [
            "endpoint": endpointDescription, "region": region, "bucket": bucket, "keyPrefix": keyPrefix,
            "addressingStyle": addressingStyle, "accessKeyID": accessKeyID, "secretAccessKey": "<redacted>",
            "objectLockMode": objectLockMode as Any, "requestTimeout": requestTimeout, "retryPolicy": retryPolicy,
            "listPageSize": listPageSize, "trustedCAFile": trustedCAFile as Any,
        ])
    }

    /// Checks each field, naming the first one at fault.
    func validate() throws(BlobStoreError) {
        guard let scheme = endpoint.scheme?.lowercased(), scheme == "http" || scheme == "https" else {
            throw .invalidConfiguration("the S3 endpoint must be an http:// or https:// URL, not '\(endpointDescription)'")
        }
        guard let host = endpoint.host, !host.isEmpty else {
            throw .invalidConfiguration("the S3 endpoint has no host")
        }
        guard endpoint.user == nil, endpoint.password == nil else {
            throw .invalidConfiguration("the S3 endpoint must not carry credentials; give them in the environment")
        }
        guard endpoint.path.isEmpty || endpoint.path == "/", endpoint.query == nil else {
            throw .invalidConfiguration("the S3 endpoint must be scheme://host[:port] without a path or query")
        }
        guard Self.isValidBucketName(bucket) else {
            throw .invalidConfiguration(
                "bucket name '\(bucket)' is not valid: 3 to 63 characters of a-z, 0-9, '.' and '-', starting and ending with a letter or digit")
        }
        if addressingStyle == .virtualHost, bucket.contains(".") && scheme == "https" {
            throw .invalidConfiguration("bucket '\(bucket)' contains '.', which breaks TLS with virtual-host addressing; use style=path")
        }
        if !keyPrefix.isEmpty {
            guard keyPrefix.hasSuffix("/"), BlobKey.isValid(String(keyPrefix.dropLast())) else {
                throw .invalidConfiguration(
                    "key prefix '\(keyPrefix)' must be a relative path of [A-Za-z0-9._-] segments ending in '/'")
            }
        }
        guard !region.isEmpty, region.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }) else {
            throw .invalidConfiguration("region '\(region)' is not valid (letters, digits and '-')")
        }
        guard !accessKeyID.isEmpty else { throw .invalidConfiguration("the S3 access key id is empty") }
        guard !secretAccessKey.isEmpty else { throw .invalidConfiguration("the S3 secret access key is empty") }
        guard requestTimeout > .zero else { throw .invalidConfiguration("the S3 request timeout must be positive") }
        if let trustedCAFile {
            guard scheme == "https" else {
                throw .invalidConfiguration("ca='\(trustedCAFile)' is given but the endpoint \(endpointDescription) is not https://")
            }
            // Checked here, so that a wrong path is an error naming it rather than a failed handshake later.
            guard let text = FileManager.default.contents(atPath: trustedCAFile).map({ String(decoding: $0, as: UTF8.self) }) else {
                throw .invalidConfiguration("ca='\(trustedCAFile)' cannot be read (no such file, or no permission)")
            }
            guard text.contains("-----BEGIN CERTIFICATE-----") else {
                throw .invalidConfiguration("ca='\(trustedCAFile)' holds no PEM certificate")
            }
        }
    }

    static func isValidBucketName(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard (3...63).contains(bytes.count) else { return false }
        func alnum(_ b: UInt8) -> Bool {
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(b) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(b)
        }
        guard alnum(bytes.first!), alnum(bytes.last!) else { return false }
        return bytes.allSatisfy { alnum($0) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "-") } && !name.contains("..")
    }
}

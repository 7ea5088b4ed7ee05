import Foundation

extension S3Configuration {
    /// Environment variables that hold the credentials, in order of preference: the vault's own pair,
    /// then the AWS tools' pair. Each pair is taken whole or not at all.
    public static let credentialVariables: [(accessKey: String, secretKey: String)] = [
        ("SESSIONVAULT_S3_ACCESS_KEY", "SESSIONVAULT_S3_SECRET_KEY"),
        ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"),
    ]

    /// Parses the URL form used in the vault configuration and on the command line:
    ///
    ///     s3://BUCKET[/PREFIX]?endpoint=http://127.0.0.1:8333&region=us-east-1&style=path&lock=compliance
    ///
    /// Parameters: `endpoint` (required, `http://` or `https://` host and port), `region` (default
    /// `us-east-1`), `style` (`path`, the default, or `virtual-host`), `lock` (`none`, the default,
    /// `compliance` or `governance`: the bucket has Object Lock and retention is written in that
    /// mode), `timeout` (seconds per request, default 60), `attempts` (default 4) and `backoff-ms`
    /// (the first retry's longest wait, default 200) and `ca` (a PEM file of the CAs to trust for an
    /// `https` endpoint instead of the system's; the file is read to check it holds a certificate,
    /// the only thing here that touches the filesystem). Unknown parameters are refused, so that a typo
    /// cannot silently drop a lock. A PREFIX becomes the key prefix (a trailing `/` is added).
    ///
    /// Credentials never come from the URL: they are read from `environment`, the pair
    /// `SESSIONVAULT_S3_ACCESS_KEY` / `SESSIONVAULT_S3_SECRET_KEY` if either is set, otherwise
    /// `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY`.
    ///
    /// A function of its arguments (pass `ProcessInfo.processInfo.environment`) and, for `ca`, of that
    /// file; errors name what is wrong and never repeat a secret.
    public static func parse(_ url: String, environment: [String: String]) throws(BlobStoreError) -> S3Configuration {
        guard url.hasPrefix("s3://") else {
            throw .invalidConfiguration("an S3 blob store URL starts with s3://, e.g. s3://BUCKET/PREFIX?endpoint=http://127.0.0.1:8333")
        }
        let rest = url.dropFirst("s3://".count)
        let (location, queryPart) = rest.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).twoParts
        // Credentials in the URL are refused without being echoed.
        guard !location.contains("@") else {
            throw .invalidConfiguration(
                "credentials must not be written in the S3 URL; set SESSIONVAULT_S3_ACCESS_KEY and SESSIONVAULT_S3_SECRET_KEY")
        }
        let (bucket, prefixPart) = location.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false).twoParts
        guard !bucket.isEmpty else { throw .invalidConfiguration("the S3 URL names no bucket (s3://BUCKET/…)") }
        var prefix = prefixPart ?? ""
        if !prefix.isEmpty, !prefix.hasSuffix("/") { prefix += "/" }

        var parameters: [String: String] = [:]
        for item in (queryPart ?? "").split(separator: "&") {
            let (rawName, rawValue) = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).twoParts
            let name = rawName.removingPercentEncoding ?? rawName
            guard let value = (rawValue ?? "").removingPercentEncoding else {
                throw .invalidConfiguration("S3 URL parameter '\(name)' has a malformed %-escape")
            }
            guard parameters[name] == nil else { throw .invalidConfiguration("S3 URL parameter '\(name)' is given twice") }
            parameters[name] = value
        }
        let known: Set<String> = ["endpoint", "region", "style", "lock", "timeout", "attempts", "backoff-ms", "ca"]
        if let unknown = parameters.keys.sorted().first(where: { !known.contains($0) }) {
            throw .invalidConfiguration(
                "unknown S3 URL parameter '\(unknown)' (known: endpoint, region, style, lock, timeout, attempts, backoff-ms, ca)")
        }

        guard let endpointText = parameters["endpoint"], !endpointText.isEmpty else {
            throw .invalidConfiguration("the S3 URL needs endpoint=http://HOST:PORT (or https://)")
        }
        guard let endpoint = URL(string: endpointText), endpoint.host != nil else {
            throw .invalidConfiguration("endpoint '\(endpointText)' is not a URL of the form http://HOST:PORT")
        }
        let style: AddressingStyle
        switch parameters["style"]?.lowercased() ?? "path" {
        case "path": style = .path
        case "virtual-host", "virtualhost", "virtual": style = .virtualHost
        case let other: throw .invalidConfiguration("style '\(other)' is not one of path, virtual-host")
        }
        let lock: ObjectLockMode?
        switch parameters["lock"]?.lowercased() ?? "none" {
        case "none", "": lock = nil
        case "compliance": lock = .compliance
        case "governance": lock = .governance
        case let other: throw .invalidConfiguration("lock '\(other)' is not one of none, compliance, governance")
        }
        var retry = RetryPolicy.standard
        if let text = parameters["attempts"] {
            guard let n = Int(text), (1...20).contains(n) else {
                throw .invalidConfiguration("attempts '\(text)' is not a whole number from 1 to 20")
            }
            retry.maxAttempts = n
        }
        if let text = parameters["backoff-ms"] {
            guard let n = Int(text), (0...60_000).contains(n) else {
                throw .invalidConfiguration("backoff-ms '\(text)' is not a whole number of milliseconds from 0 to 60000")
            }
            retry.baseBackoff = .milliseconds(n)
        }
        var timeout = Duration.seconds(60)
        if let text = parameters["timeout"] {
            guard let n = Double(text), n > 0, n <= 3600 else {
                throw .invalidConfiguration("timeout '\(text)' is not a number of seconds above 0 and at most 3600")
            }
            timeout = .milliseconds(Int64(n * 1000))
        }

        let (accessKey, secretKey) = try credentials(from: environment)
        return try S3Configuration(
            endpoint: endpoint, region: parameters["region"] ?? "us-east-1", bucket: String(bucket), keyPrefix: prefix,
            addressingStyle: style, accessKeyID: accessKey, secretAccessKey: secretKey, objectLockMode: lock,
            requestTimeout: timeout, retryPolicy: retry, trustedCAFile: parameters["ca"].flatMap { $0.isEmpty ? nil : $0 })
    }

    /// The first credential pair present in `environment` (see ``credentialVariables``).
    static func credentials(from environment: [String: String]) throws(BlobStoreError) -> (String, String) {
        for (accessName, secretName) in credentialVariables {
            let access = environment[accessName].flatMap { $0.isEmpty ? nil : $0 }
            let secret = environment[secretName].flatMap { $0.isEmpty ? nil : $0 }
            switch (access, secret) {
            case (let access?, let secret?): return (access, secret)
            case (nil, nil): continue
            case (nil, _): throw .invalidConfiguration("\(secretName) is set but \(accessName) is not")
            case (_, nil): throw .invalidConfiguration("\(accessName) is set but \(secretName) is not")
            }
        }
        throw .invalidConfiguration(
            "no S3 credentials: set SESSIONVAULT_S3_ACCESS_KEY and SESSIONVAULT_S3_SECRET_KEY (or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)")
    }
}

extension Array where Element == Substring {
    /// The first element and, if there is one, the second, as strings.
    fileprivate var twoParts: (String, String?) {
        (first.map(String.init) ?? "", count > 1 ? String(self[1]) : nil)
    }
}

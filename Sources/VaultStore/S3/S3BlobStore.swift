import AsyncHTTPClient
import Crypto
import Foundation
public import Logging
import NIOCore
import NIOHTTP1
import NIOSSL

/// A blob store in an S3-compatible bucket (AWS S3, SeaweedFS, MinIO, …), signed with AWS
/// Signature V4.
///
/// Each blob is one object `PREFIX + KEY`, written by a single PUT (bodies are sealed chunks held in
/// memory), so a reader never sees part of a blob. A put carries `If-None-Match: *`: a key that
/// already exists is ``BlobStoreError/alreadyExists(_:)`` and the object is left as it was.
/// An answered PUT is durable, so ``makeDurable(_:)`` does nothing.
///
/// With an ``S3Configuration/objectLockMode`` the bucket must have been created with Object Lock
/// (see ``createBucket(objectLockEnabled:)``, ``checkBucket()``): puts with
/// ``BlobPutOptions/retainUntil`` write a retention in that mode, ``BlobPutOptions/legalHold``
/// places a legal hold, and ``delete(_:)`` removes every version of the key, so that nothing is
/// left behind a delete marker; a version the service refuses to delete makes the delete fail with
/// ``BlobStoreError/locked(_:until:)``.
///
/// The store owns one `HTTPClient`: call ``shutdown()`` once it is no longer needed (or use
/// ``withStore(_:logger:_:)``); a store released without it shuts its client down in the background. Requests are retried per ``S3Configuration/retryPolicy``.
public final class S3BlobStore: BlobStore {
    public let configuration: S3Configuration
    let client: HTTPClient
    let signer: SigV4Signer
    let logger: Logger

    /// A store for `configuration`; it opens connections lazily, so this never touches the network.
    /// `logger` receives retries (debug) and nothing secret; by default nothing is logged.
    public init(configuration: S3Configuration, logger: Logger? = nil) {
        self.configuration = configuration
        self.logger = logger ?? Logger(label: "sessionvault.s3", factory: { _ in SwiftLogNoOpLogHandler() })
        self.signer = SigV4Signer(
            accessKeyID: configuration.accessKeyID, secretAccessKey: configuration.secretAccessKey,
            region: configuration.region, service: "s3")
        var http = HTTPClient.Configuration()
        let timeout = Self.timeAmount(configuration.requestTimeout)
        http.timeout = HTTPClient.Configuration.Timeout(connect: min(timeout, .seconds(10)), read: timeout)
        http.redirectConfiguration = .disallow
        http.decompression = .disabled
        // The store's own retry policy decides: a refused connection fails this attempt at once
        // instead of the pool retrying it quietly until the deadline.
        http.connectionPool.retryConnectionEstablishment = false
        if let caFile = configuration.trustedCAFile {
            // The server's certificate and host name are verified as always, against these CAs only.
            var tls = TLSConfiguration.makeClientConfiguration()
            tls.trustRoots = .file(caFile)
            http.tlsConfiguration = tls
        }
        self.client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: http)
    }

    /// A safety net for an owner that forgot ``shutdown()``: the client's shutdown is started in the
    /// background (it keeps itself alive until done). Harmless after ``shutdown()``.
    deinit {
        client.shutdown { _ in }
    }

    /// Runs `body` with a new store and shuts the store down afterwards, whether `body` throws or not.
    @discardableResult
    public static func withStore<T>(
        _ configuration: S3Configuration, logger: Logger? = nil, _ body: (S3BlobStore) async throws -> T
    ) async throws -> T {
        let store = S3BlobStore(configuration: configuration, logger: logger)
        let result: Result<T, any Error>
        do {
            result = .success(try await body(store))
        } catch {
            result = .failure(error)
        }
        try await store.shutdown()
        return try result.get()
    }

    /// Closes the store's connections. Call it once, when no request is in flight; the store fails
    /// every request afterwards. Calling it again does nothing.
    public func shutdown() async throws(BlobStoreError) {
        do {
            try await client.shutdown()
        } catch let error as HTTPClientError where error == .alreadyShutdown {
            return
        } catch {
            throw .unreachable(
                operation: "shutdown", key: nil, endpoint: configuration.endpointDescription, attempts: 1,
                reason: Self.describe(error))
        }
    }

    /// `s3://BUCKET/PREFIX at ENDPOINT`: no credentials.
    public var location: String {
        "s3://\(configuration.bucket)/\(configuration.keyPrefix) at \(configuration.endpointDescription)"
    }

    func objectName(_ key: BlobKey) -> String { configuration.keyPrefix + key.path }

    // MARK: - Bucket

    /// Creates the bucket, with Object Lock (and so versioning) when `objectLockEnabled`. Object Lock
    /// can only be chosen at creation. A bucket this account already owns is not an error.
    public func createBucket(objectLockEnabled: Bool) async throws(BlobStoreError) {
        var request = S3Request(method: .PUT, objectName: nil)
        if objectLockEnabled { request.headers.append(("x-amz-bucket-object-lock-enabled", "true")) }
        if configuration.region != "us-east-1" {
            request.body = Array(
                """
                <CreateBucketConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">\
                <LocationConstraint>\(configuration.region)</LocationConstraint></CreateBucketConfiguration>
                """.utf8)
        }
        let response = try await send(request, operation: "create bucket", key: nil)
        if response.isSuccess || response.errorCode == "BucketAlreadyOwnedByYou" { return }
        throw failure(response, operation: "create bucket '\(configuration.bucket)'", key: nil)
    }

    /// Checks that the bucket exists and these credentials reach it, and, when the configuration has
    /// an Object Lock mode, that the bucket has Object Lock enabled. Throws
    /// ``BlobStoreError/invalidConfiguration(_:)`` naming what is missing.
    public func checkBucket() async throws(BlobStoreError) {
        let head = try await send(S3Request(method: .HEAD, objectName: nil), operation: "check bucket", key: nil)
        if head.status == 404 {
            throw .invalidConfiguration("bucket '\(configuration.bucket)' does not exist at \(configuration.endpointDescription)")
        }
        guard head.isSuccess else { throw failure(head, operation: "check bucket '\(configuration.bucket)'", key: nil) }
        guard let mode = configuration.objectLockMode else { return }
        let lock = try await send(
            S3Request(method: .GET, objectName: nil, query: [("object-lock", "")]), operation: "check bucket", key: nil)
        let enabled = lock.isSuccess && S3XMLElement.parse(lock.body)?.value("ObjectLockEnabled") == "Enabled"
        if !enabled {
            if lock.isSuccess || lock.status == 404 || lock.errorCode?.contains("ObjectLockConfiguration") == true {
                throw .invalidConfiguration(
                    "bucket '\(configuration.bucket)' does not have Object Lock enabled, which lock=\(mode.rawValue.lowercased()) needs; "
                        + "create the bucket with Object Lock or set lock=none")
            }
            throw failure(lock, operation: "check bucket '\(configuration.bucket)'", key: nil)
        }
    }

    // MARK: - BlobStore

    public func put(_ key: BlobKey, _ bytes: [UInt8], options: BlobPutOptions) async throws(BlobStoreError) {
        let md5 = Insecure.MD5.hash(data: bytes)
        var request = S3Request(method: .PUT, objectName: objectName(key), body: bytes)
        request.headers = [
            ("content-type", "application/octet-stream"),
            ("content-md5", Data(md5).base64EncodedString()),  // S3 requires it with Object Lock headers
            ("if-none-match", "*"),
        ]
        if let mode = configuration.objectLockMode {
            if let until = options.retainUntil {
                request.headers.append(("x-amz-object-lock-mode", mode.rawValue))
                request.headers.append(("x-amz-object-lock-retain-until-date", S3Timestamp.string(roundingUp: until)))
            }
            if options.legalHold { request.headers.append(("x-amz-object-lock-legal-hold", "ON")) }
        }
        let response = try await send(request, operation: "put", key: key)
        if response.isSuccess { return }
        if response.status == 412 {
            // After a retry, the precondition may have failed on this very write, whose first answer
            // was lost: the object is then ours if its ETag is our MD5.
            if response.attempts > 1, try await etag(of: key) == SigV4Signer.hex(md5) { return }
            throw .alreadyExists(key)
        }
        throw failure(response, operation: "put", key: key)
    }

    /// A PUT is durable once answered.
    public func makeDurable(_ keys: [BlobKey]) async throws(BlobStoreError) {}

    public func get(_ key: BlobKey) async throws(BlobStoreError) -> [UInt8] {
        var request = S3Request(method: .GET, objectName: objectName(key))
        request.responseLimit = 1 << 30
        let response = try await send(request, operation: "get", key: key)
        if response.isSuccess { return response.body }
        if response.status == 404 { throw .notFound(key) }
        throw failure(response, operation: "get", key: key)
    }

    /// One ranged GET per non-empty range (`Range: bytes=a-b`; S3 serves one range per request), all
    /// sent at once, so that a chunk's ciphertext and tags cost one round trip, not two. An error is
    /// that of the first failing range in the order given.
    public func get(_ key: BlobKey, ranges: [Range<Int>], into buffer: consuming [UInt8]) async throws(BlobStoreError) -> [UInt8] {
        for range in ranges where range.lowerBound < 0 { throw .shortBlob(key, range: range, size: nil) }
        let parts = await withTaskGroup(of: (Int, Result<[UInt8], BlobStoreError>).self) { group in
            for (index, range) in ranges.enumerated() where !range.isEmpty {
                group.addTask {
                    do throws(BlobStoreError) {
                        return (index, .success(try await self.get(key, range: range)))
                    } catch {
                        return (index, .failure(error))
                    }
                }
            }
            var results: [Int: Result<[UInt8], BlobStoreError>] = [:]
            for await (index, result) in group { results[index] = result }
            return results
        }
        var out = buffer
        out.removeAll(keepingCapacity: true)
        for index in ranges.indices where !ranges[index].isEmpty {
            guard let part = parts[index] else { continue }
            out.append(contentsOf: try part.get())
        }
        return out
    }

    /// One ranged GET: exactly the bytes of `range`, or ``BlobStoreError/shortBlob(_:range:size:)``.
    func get(_ key: BlobKey, range: Range<Int>) async throws(BlobStoreError) -> [UInt8] {
        var request = S3Request(method: .GET, objectName: objectName(key))
        request.headers.append(("range", "bytes=\(range.lowerBound)-\(range.upperBound - 1)"))
        request.responseLimit = 1 << 30
        let response = try await send(request, operation: "get", key: key)
        switch response.status {
        case 206:
            guard response.body.count == range.count else {
                throw .shortBlob(key, range: range, size: Self.totalSize(contentRange: response.headers.first(name: "content-range")))
            }
            return response.body
        case 200:
            // The whole object (a store that ignores Range): take the part asked for.
            guard range.upperBound <= response.body.count else { throw .shortBlob(key, range: range, size: response.body.count) }
            return Array(response.body[range])
        case 404:
            throw .notFound(key)
        case 416:
            throw .shortBlob(key, range: range, size: Self.totalSize(contentRange: response.headers.first(name: "content-range")))
        default:
            throw failure(response, operation: "get", key: key)
        }
    }

    /// The complete length in a `Content-Range: bytes a-b/N` or `bytes */N` header.
    static func totalSize(contentRange: String?) -> Int? {
        guard let contentRange, let slash = contentRange.lastIndex(of: "/") else { return nil }
        return Int(contentRange[contentRange.index(after: slash)...])
    }

    public func size(of key: BlobKey) async throws(BlobStoreError) -> Int? {
        guard let head = try await head(key, versionID: nil) else { return nil }
        guard let text = head.headers.first(name: "content-length"), let size = Int(text) else {
            throw .remote(
                operation: "size", key: key.path, status: head.status,
                message: "the answer has no Content-Length (\(configuration.endpointDescription))")
        }
        return size
    }

    /// HEAD of the object (or one version of it); nil if it does not exist.
    func head(_ key: BlobKey, versionID: String?) async throws(BlobStoreError) -> S3Response? {
        var request = S3Request(method: .HEAD, objectName: objectName(key))
        if let versionID { request.query = [("versionId", versionID)] }
        let response = try await send(request, operation: "head", key: key)
        if response.isSuccess { return response }
        if response.status == 404 { return nil }
        throw failure(response, operation: "head", key: key)
    }

    /// Base64 of the MD5 of `bytes`, the `Content-MD5` header S3 requires on Object Lock requests.
    static func base64MD5(_ bytes: [UInt8]) -> String { Data(Insecure.MD5.hash(data: bytes)).base64EncodedString() }

    /// The object's ETag without quotes, or nil if it does not exist.
    func etag(of key: BlobKey) async throws(BlobStoreError) -> String? {
        guard let head = try await head(key, versionID: nil) else { return nil }
        return head.headers.first(name: "etag").map { $0.trimmingCharacters(in: CharacterSet(charactersIn: "\"")) }
    }
}

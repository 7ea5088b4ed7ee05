import NIOHTTP1

/// One S3 request before signing: the object name (nil for the bucket itself) is the full name in
/// the bucket, key prefix included.
struct S3Request: Sendable {
    var method: HTTPMethod
    var objectName: String?
    var query: [(String, String)] = []
    var headers: [(String, String)] = []
    var body: [UInt8] = []
    /// The most response body bytes accepted.
    var responseLimit: Int = 16 << 20
}

/// An answer from the service, whatever its status.
struct S3Response: Sendable {
    var status: Int
    var headers: HTTPHeaders
    var body: [UInt8]
    /// How many attempts it took.
    var attempts: Int

    var isSuccess: Bool { (200..<300).contains(status) }

    /// The parsed `<Error>` body, if the answer carries one.
    var errorDocument: S3XMLElement? {
        S3XMLElement.parse(body).flatMap { $0.name == "Error" ? $0 : nil }
    }

    /// S3's error code (`NoSuchKey`, `SlowDown`, …), if the body carries one.
    var errorCode: String? { errorDocument?.value("Code") }
}

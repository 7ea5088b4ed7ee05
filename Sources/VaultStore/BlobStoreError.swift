/// What went wrong in a blob store, and on which blob.
public enum BlobStoreError: Error, Equatable, CustomStringConvertible {
    /// A key that is not a plain relative path of safe characters.
    case invalidKey(String)
    /// The blob does not exist.
    case notFound(BlobKey)
    /// An operating-system call failed (`operation` names the call, `path` what it acted on).
    case io(operation: String, path: String, errno: Int32)
    /// The store refused to delete because the object is locked until a date (WORM / Object Lock).
    case locked(BlobKey, until: String?)
    /// The store's location is unusable (missing, not a directory, not writable).
    case unusableRoot(path: String, reason: String)
    /// A remote store answered with an error.
    case remote(operation: String, key: String?, status: Int, message: String)
    /// A ranged read asked for bytes the blob does not have: it is shorter than the range's end
    /// (`size` is what the store reported or what could be read; nil if unknown).
    case shortBlob(BlobKey, range: Range<Int>, size: Int?)
    /// A blob already exists under the key, and `put` never replaces one.
    case alreadyExists(BlobKey)
    /// A remote store could not be reached (connection refused or reset, timeout) after every attempt.
    /// `endpoint` is the store's address without credentials.
    case unreachable(operation: String, key: String?, endpoint: String, attempts: Int, reason: String)
    /// A store's configuration (URL, options, credentials) is incomplete or malformed; the reason
    /// names the part at fault and never repeats a secret.
    case invalidConfiguration(String)

    public var description: String {
        switch self {
        case .invalidKey(let key):
            return "invalid blob key '\(key)': only relative paths of [A-Za-z0-9._-] segments are allowed"
        case .notFound(let key):
            return "blob '\(key)' not found"
        case .io(let operation, let path, let code):
            return "\(operation) failed on '\(path)': \(String(cString: strerror(code))) (errno \(code))"
        case .locked(let key, let until):
            return "blob '\(key)' is locked against deletion" + (until.map { " until \($0)" } ?? "")
        case .unusableRoot(let path, let reason):
            return "blob store at '\(path)' is unusable: \(reason)"
        case .remote(let operation, let key, let status, let message):
            return "\(operation)\(key.map { " of '\($0)'" } ?? "") failed with status \(status): \(message)"
        case .shortBlob(let key, let range, let size):
            return "blob '\(key)' ends before bytes \(range.lowerBound)..<\(range.upperBound)" + (size.map { " (it holds \($0) bytes)" } ?? "")
        case .alreadyExists(let key):
            return "blob '\(key)' already exists and is never replaced"
        case .unreachable(let operation, let key, let endpoint, let attempts, let reason):
            let tries = attempts == 1 ? "1 attempt" : "\(attempts) attempts"
            return "\(operation)\(key.map { " of '\($0)'" } ?? "") could not reach \(endpoint) after \(tries): \(reason)"
        case .invalidConfiguration(let reason):
            return "invalid blob store configuration: \(reason)"
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The name of one blob in a ``BlobStore``: a relative, slash-separated path of safe characters.
///
/// Keys are validated on creation so that no key can escape a store's root (`..`, absolute
/// paths, NUL bytes) whatever the backend; stores can map them to files or object names as is.
public struct BlobKey: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The key as a relative path, e.g. `chunks/3f/3f2a…/00000000`.
    public let path: String

    /// Creates a key, refusing anything that is not a plain relative path of `[A-Za-z0-9._-]` segments.
    public init(_ path: String) throws(BlobStoreError) {
        guard BlobKey.isValid(path) else { throw .invalidKey(path) }
        self.path = path
    }

    public var description: String { path }

    public static func < (lhs: BlobKey, rhs: BlobKey) -> Bool { lhs.path < rhs.path }

    static func isValid(_ path: String) -> Bool {
        guard !path.isEmpty, path.utf8.count <= 512 else { return false }
        for segment in path.split(separator: "/", omittingEmptySubsequences: false) {
            guard !segment.isEmpty, segment != ".", segment != ".." else { return false }
            for byte in segment.utf8 {
                switch byte {
                case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                    UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "-"):
                    continue
                default:
                    return false
                }
            }
        }
        return true
    }
}

public import Foundation
import NIOHTTP1

extension S3BlobStore {
    /// One version (or delete marker) of an object, as listed by `?versions`.
    struct ObjectVersion: Sendable, Equatable {
        var versionID: String
        var isDeleteMarker: Bool
    }

    /// Deletes every version of the blob, delete markers included, so that a versioned (Object Lock)
    /// bucket keeps nothing of it; a plain DELETE would only hide it behind a delete marker.
    ///
    /// A version the service refuses to delete while it is under retention or legal hold makes this
    /// throw ``BlobStoreError/locked(_:until:)`` (with the retain-until date when one is set), after
    /// the other versions have been deleted; the locked version stays readable. A missing blob is
    /// success. On a service without version listing, this falls back to a plain DELETE.
    public func delete(_ key: BlobKey) async throws(BlobStoreError) {
        let versions: [ObjectVersion]
        do {
            versions = try await listVersions(of: key)
        } catch .remote(_, _, let status, _) where status == 501 {
            let response = try await send(S3Request(method: .DELETE, objectName: objectName(key)), operation: "delete", key: key)
            if response.isSuccess || response.status == 404 { return }
            throw failure(response, operation: "delete", key: key)
        }
        var refused: BlobStoreError?
        // Object versions first, so that a refused one is never left hidden behind a delete marker.
        for version in versions.sorted(by: { !$0.isDeleteMarker && $1.isDeleteMarker }) {
            var request = S3Request(method: .DELETE, objectName: objectName(key))
            request.query = [("versionId", version.versionID)]
            let response = try await send(request, operation: "delete", key: key)
            if response.isSuccess || response.status == 404 { continue }
            // The server's clock decides when a retention ends, not ours: a version refused with a
            // retain-until date that our clock has already passed is still locked, for a moment.
            if response.status == 403, !version.isDeleteMarker,
                let lock = try await lockState(key, versionID: version.versionID), lock.legalHold || lock.retainUntil != nil
            {
                if refused == nil { refused = .locked(key, until: lock.retainUntil.map(S3Timestamp.string(roundingUp:))) }
                continue
            }
            throw failure(response, operation: "delete", key: key)
        }
        if let refused { throw refused }
    }

    /// Every version and delete marker of exactly this object (not of longer names sharing its prefix).
    func listVersions(of key: BlobKey) async throws(BlobStoreError) -> [ObjectVersion] {
        let name = objectName(key)
        var found: [ObjectVersion] = []
        var markers: [(String, String)] = []
        while true {
            var request = S3Request(method: .GET, objectName: nil)
            request.query = [("versions", ""), ("prefix", name)] + markers
            let response = try await send(request, operation: "list versions", key: key)
            guard response.isSuccess else { throw failure(response, operation: "list versions", key: key) }
            guard let document = S3XMLElement.parse(response.body), document.name == "ListVersionsResult" else {
                throw .remote(
                    operation: "list versions", key: key.path, status: response.status,
                    message: "the answer is not a ListVersionsResult (\(configuration.endpointDescription))")
            }
            var sawOtherKey = false
            for entry in document.children where entry.name == "Version" || entry.name == "DeleteMarker" {
                guard entry.value("Key") == name else {
                    sawOtherKey = true
                    continue
                }
                found.append(ObjectVersion(versionID: entry.value("VersionId") ?? "null", isDeleteMarker: entry.name == "DeleteMarker"))
            }
            // Listings are sorted by key: once a longer name appears, this key's versions are all seen.
            guard document.value("IsTruncated") == "true", !sawOtherKey,
                let nextKey = document.value("NextKeyMarker"), let nextVersion = document.value("NextVersionIdMarker")
            else { break }
            markers = [("key-marker", nextKey), ("version-id-marker", nextVersion)]
        }
        return found
    }

    /// What protects one version from deletion.
    struct LockState: Sendable {
        var retainUntil: Date?
        var legalHold: Bool
    }

    /// Reads a version's retention and legal hold from its HEAD answer (which S3 fills in for
    /// callers allowed `s3:GetObjectRetention` / `s3:GetObjectLegalHold`); nil if it does not exist.
    func lockState(_ key: BlobKey, versionID: String?) async throws(BlobStoreError) -> LockState? {
        guard let head = try await head(key, versionID: versionID) else { return nil }
        let until = head.headers.first(name: "x-amz-object-lock-retain-until-date").flatMap(S3Timestamp.date)
        let hold = head.headers.first(name: "x-amz-object-lock-legal-hold")?.uppercased() == "ON"
        return LockState(retainUntil: until, legalHold: hold)
    }

    /// Places or lifts a legal hold on the blob's current version (`PUT ?legal-hold`).
    ///
    /// Without an ``S3Configuration/objectLockMode`` the bucket is taken to have no Object Lock:
    /// nothing is held and this only checks that the blob exists, as ``FileSystemBlobStore`` does.
    public func setLegalHold(_ key: BlobKey, on: Bool) async throws(BlobStoreError) {
        // Checked first: SeaweedFS answers a hold on a missing object with 500 InternalError.
        guard try await head(key, versionID: nil) != nil else { throw .notFound(key) }
        guard configuration.objectLockMode != nil else { return }
        let body = Array(
            """
            <LegalHold xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Status>\(on ? "ON" : "OFF")</Status></LegalHold>
            """.utf8)
        var request = S3Request(method: .PUT, objectName: objectName(key), query: [("legal-hold", "")], body: body)
        request.headers = [
            ("content-type", "application/xml"),
            ("content-md5", Self.base64MD5(body)),
        ]
        let response = try await send(request, operation: "set legal hold", key: key)
        if response.isSuccess { return }
        if response.status == 404 { throw .notFound(key) }
        throw failure(response, operation: "set legal hold", key: key)
    }

    /// The retain-until date of the blob's current version, or nil if it has none (or the caller
    /// may not read it).
    public func retainUntil(_ key: BlobKey) async throws(BlobStoreError) -> Date? {
        guard let state = try await lockState(key, versionID: nil) else { throw .notFound(key) }
        return state.retainUntil
    }
}

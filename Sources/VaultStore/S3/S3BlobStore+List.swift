public import Foundation
import NIOHTTP1

extension S3BlobStore {
    /// Lists the blobs under `prefix` with ListObjectsV2, following continuation tokens page by
    /// page (``S3Configuration/listPageSize`` each), sorted by key. Object names that are not valid
    /// ``BlobKey``s (written by something else) are skipped.
    public func list(prefix: String) async throws(BlobStoreError) -> [BlobListing] {
        let fullPrefix = configuration.keyPrefix + prefix
        var results: [BlobListing] = []
        var token: String?
        repeat {
            var request = S3Request(method: .GET, objectName: nil)
            request.query = [("list-type", "2"), ("prefix", fullPrefix), ("max-keys", String(configuration.listPageSize))]
            if let token { request.query.append(("continuation-token", token)) }
            let response = try await send(request, operation: "list", key: nil)
            guard response.isSuccess else { throw failure(response, operation: "list '\(prefix)'", key: nil) }
            guard let document = S3XMLElement.parse(response.body), document.name == "ListBucketResult" else {
                throw .remote(
                    operation: "list '\(prefix)'", key: nil, status: response.status,
                    message: "the answer is not a ListBucketResult (\(configuration.endpointDescription))")
            }
            for entry in document.children("Contents") {
                guard let name = entry.value("Key"), name.hasPrefix(configuration.keyPrefix),
                    let key = try? BlobKey(String(name.dropFirst(configuration.keyPrefix.count))),
                    key.path.hasPrefix(prefix)
                else { continue }
                let size = entry.value("Size").flatMap(Int.init) ?? 0
                let modified = entry.value("LastModified").flatMap(S3Timestamp.date) ?? Date(timeIntervalSince1970: 0)
                results.append(BlobListing(key: key, size: size, modified: modified))
            }
            token = document.value("IsTruncated") == "true" ? document.value("NextContinuationToken") : nil
            if document.value("IsTruncated") == "true", token == nil {
                throw .remote(
                    operation: "list '\(prefix)'", key: nil, status: response.status,
                    message: "a truncated listing without a continuation token (\(configuration.endpointDescription))")
            }
        } while token != nil
        return results.sorted { $0.key < $1.key }
    }

    /// Aborts the multipart uploads under the store's key prefix that were initiated before `cutoff`
    /// and returns how many. This store writes every blob with a single PUT, so uploads are left
    /// only by other tools or older versions; a service that does not list uploads (501
    /// NotImplemented) has none to remove and this returns 0.
    public func removeIncompleteWrites(olderThan cutoff: Date) async throws(BlobStoreError) -> Int {
        var removed = 0
        var markers: [(String, String)] = []
        while true {
            var request = S3Request(method: .GET, objectName: nil)
            request.query = [("uploads", ""), ("prefix", configuration.keyPrefix)] + markers
            let response = try await send(request, operation: "list uploads", key: nil)
            if response.status == 501 { return removed }
            guard response.isSuccess else { throw failure(response, operation: "list uploads", key: nil) }
            guard let document = S3XMLElement.parse(response.body), document.name == "ListMultipartUploadsResult" else {
                throw .remote(
                    operation: "list uploads", key: nil, status: response.status,
                    message: "the answer is not a ListMultipartUploadsResult (\(configuration.endpointDescription))")
            }
            for upload in document.children("Upload") {
                guard let name = upload.value("Key"), let id = upload.value("UploadId"),
                    let initiated = upload.value("Initiated").flatMap(S3Timestamp.date), initiated < cutoff
                else { continue }
                var abort = S3Request(method: .DELETE, objectName: name)
                abort.query = [("uploadId", id)]
                let answer = try await send(abort, operation: "abort upload", key: nil)
                if answer.isSuccess { removed += 1 } else if answer.status != 404 {
                    throw failure(answer, operation: "abort upload of '\(name)'", key: nil)
                }
            }
            guard document.value("IsTruncated") == "true", let nextKey = document.value("NextKeyMarker"),
                let nextUpload = document.value("NextUploadIdMarker")
            else { break }
            markers = [("key-marker", nextKey), ("upload-id-marker", nextUpload)]
        }
        return removed
    }
}

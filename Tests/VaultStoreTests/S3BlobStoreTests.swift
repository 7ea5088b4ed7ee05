import TestSupport
import Foundation
import Testing
@testable import VaultStore

/// What only an S3 store does, against the real server in `SESSIONVAULT_TEST_S3_ENDPOINT`
/// (SeaweedFS in `make test`): Object Lock, legal holds, signatures, paging, prefixes, uploads.
@Suite("S3BlobStore against a real server", .enabled(if: S3TestEnvironment.shouldRun, "no S3 test server configured"), .timeLimit(.minutes(30)))
struct S3BlobStoreTests {
    let key = try! BlobKey("chunks/4f/rec/00000000")

    @Test(arguments: [S3Configuration.ObjectLockMode.compliance, .governance])
    func objectLockRefusesEarlyDeletionAndTheBlobStaysReadable(_ mode: S3Configuration.ObjectLockMode) async throws {
        try await S3TestEnvironment.require().withFreshBucket(lock: mode) { store in
            try await store.checkBucket()
            let until = Date().addingTimeInterval(3600)
            try await store.put(key, [1, 2, 3], options: BlobPutOptions(retainUntil: until))
            let kept = try #require(try await store.retainUntil(key))
            #expect(kept >= until.addingTimeInterval(-1) && kept <= until.addingTimeInterval(1))

            let error = await #expect(throws: BlobStoreError.self) { try await store.delete(key) }
            guard case .locked(let lockedKey, let shownUntil)? = error else {
                Issue.record("expected .locked, got \(String(describing: error))")
                return
            }
            #expect(lockedKey == key)
            #expect(shownUntil.flatMap(S3Timestamp.date) == kept)
            #expect(try await store.get(key) == [1, 2, 3])
            #expect(try await store.list(prefix: "chunks/").map(\.key) == [key])
        }
    }

    @Test func expiredRetentionAllowsDeletionAndLeavesNoVersionBehind() async throws {
        try await S3TestEnvironment.require().withFreshBucket(lock: .compliance) { store in
            let until = Date().addingTimeInterval(4)
            try await store.put(key, [9], options: BlobPutOptions(retainUntil: until))
            // Never deleted before its retain-until date. (On a loaded machine the request can reach
            // the server after the lock has ended; then the deletion is allowed, and must come late.)
            do {
                try await store.delete(key)
                #expect(Date() >= until, "deleted before its retain-until date")
            } catch {
                guard case .locked? = error as? BlobStoreError else { throw error }
            }
            // Deletable once the lock has ended by the server's clock (which need not agree with
            // ours to the second): retried until it has.
            let deleted = try await eventually(timeout: .seconds(max(0, until.timeIntervalSinceNow) + 60), every: .milliseconds(250)) {
                do {
                    try await store.delete(key)
                    return true
                } catch {
                    guard case .locked? = error as? BlobStoreError else { throw error }
                    return false
                }
            }
            #expect(deleted, "still locked a minute after its retain-until date")
            #expect(try await store.size(of: key) == nil)
            // Every version and delete marker is gone, not just hidden.
            #expect(try await store.listVersions(of: key).isEmpty)
            // Deleting again (nothing left) is still success.
            try await store.delete(key)
        }
    }

    @Test func legalHoldRefusesDeletionUntilLifted() async throws {
        try await S3TestEnvironment.require().withFreshBucket(lock: .compliance) { store in
            try await store.put(key, [4, 2], options: BlobPutOptions(legalHold: true))
            await #expect(throws: BlobStoreError.locked(key, until: nil)) { try await store.delete(key) }
            #expect(try await store.get(key) == [4, 2])
            #expect(try await store.retainUntil(key) == nil)

            try await store.setLegalHold(key, on: false)
            try await store.delete(key)
            #expect(try await store.size(of: key) == nil)
            #expect(try await store.listVersions(of: key).isEmpty)

            // A hold placed after the put protects just the same.
            let other = try BlobKey("chunks/4f/rec/00000001")
            try await store.put(other, [1], options: .none)
            try await store.setLegalHold(other, on: true)
            await #expect(throws: BlobStoreError.locked(other, until: nil)) { try await store.delete(other) }
            try await store.setLegalHold(other, on: false)
            try await store.delete(other)
            await #expect(throws: BlobStoreError.notFound(other)) { try await store.setLegalHold(other, on: true) }
        }
    }

    @Test func aPlainDeleteInAVersionedBucketRemovesEveryVersion() async throws {
        try await S3TestEnvironment.require().withFreshBucket(lock: .compliance) { store in
            try await store.put(key, [1], options: .none)
            #expect(try await store.listVersions(of: key).count == 1)
            try await store.delete(key)
            #expect(try await store.listVersions(of: key).isEmpty)
            // The freed key can be written again.
            try await store.put(key, [2], options: .none)
            #expect(try await store.get(key) == [2])
        }
    }

    @Test func aBucketWithoutObjectLockIsRefusedWhenALockModeIsConfigured() async throws {
        let environment = try S3TestEnvironment.require()
        try await environment.withFreshBucket { plain in
            let locked = try environment.configuration(bucket: plain.configuration.bucket, lock: .compliance)
            try await S3BlobStore.withStore(locked) { store in
                let error = await #expect(throws: BlobStoreError.self) { try await store.checkBucket() }
                #expect("\(error!)".contains("does not have Object Lock enabled"))
            }
        }
        let missing = try environment.configuration(bucket: S3TestEnvironment.freshBucketName())
        try await S3BlobStore.withStore(missing) { store in
            let error = await #expect(throws: BlobStoreError.self) { try await store.checkBucket() }
            #expect("\(error!)".contains("does not exist"))
        }
    }

    @Test func aWrongSecretIsASignatureErrorThatNamesNoSecret() async throws {
        let environment = try S3TestEnvironment.require()
        try await environment.withFreshBucket { good in
            try await good.put(key, [1], options: .none)
            let wrongSecret = "wrong-" + environment.secretKey
            let bad = try environment.configuration(bucket: good.configuration.bucket, secretKey: wrongSecret)
            try await S3BlobStore.withStore(bad) { store in
                let error = await #expect(throws: BlobStoreError.self) { try await store.get(key) }
                guard case .remote(let operation, let errorKey, let status, let message)? = error else {
                    Issue.record("expected .remote, got \(String(describing: error))")
                    return
                }
                #expect(operation == "get" && errorKey == key.path && status == 403)
                #expect(message.contains("SignatureDoesNotMatch"))
                #expect(message.contains(environment.endpoint.absoluteString.trimmingCharacters(in: ["/"])))
                // Not retried: a 403 is an answer, not a fault.
                #expect(!message.contains("attempts"))
                let text = "\(error!) \(store.location) \(bad)"
                #expect(!text.contains(wrongSecret) && !text.contains(environment.secretKey))
            }
        }
    }

    @Test func listingFollowsContinuationTokensAcrossPages() async throws {
        try await S3TestEnvironment.require().withFreshBucket(listPageSize: 3) { store in
            let inside = (0..<10).map { "chunks/aa/rec/\(String(format: "%08d", 9 - $0))" }
            let outside = ["chunks/ab/rec/00000000", "chunks/a/00000000", "other/00000000"]
            for path in inside + outside { try await store.put(try BlobKey(path), Array(path.utf8), options: .none) }
            let listed = try await store.list(prefix: "chunks/aa/")
            #expect(listed.map(\.key.path) == inside.sorted())
            #expect(listed.allSatisfy { $0.size == $0.key.path.utf8.count })
            #expect(try await store.list(prefix: "").count == 13)
        }
    }

    @Test func aKeyPrefixSeparatesStoresSharingABucket() async throws {
        let environment = try S3TestEnvironment.require()
        try await environment.withFreshBucket(keyPrefix: "vault-a/") { first in
            let bucket = first.configuration.bucket
            try await S3BlobStore.withStore(try environment.configuration(bucket: bucket, keyPrefix: "vault-b/")) { second in
                try await first.put(key, [1], options: .none)
                #expect(try await second.size(of: key) == nil)
                try await second.put(key, [2], options: .none)
                #expect(try await first.get(key) == [1])
                #expect(try await second.get(key) == [2])
                #expect(try await first.list(prefix: "").map(\.key) == [key])
                try await second.delete(key)
                #expect(try await first.get(key) == [1])
            }
            try await S3BlobStore.withStore(try environment.configuration(bucket: bucket)) { whole in
                let listed = try await whole.list(prefix: "").map(\.key.path)
                #expect(listed == ["vault-a/" + key.path])
            }
        }
    }

    @Test func staleMultipartUploadsAreAbortedAndFreshOnesKept() async throws {
        try await S3TestEnvironment.require().withFreshBucket(keyPrefix: "v/") { store in
            var start = S3Request(method: .POST, objectName: "v/chunks/partial")
            start.query = [("uploads", "")]
            let started = try await store.send(start, operation: "start upload", key: nil)
            try #require(started.isSuccess, "multipart upload not started: \(started.status)")
            #expect(try await store.removeIncompleteWrites(olderThan: Date().addingTimeInterval(-3600)) == 0)
            #expect(try await store.removeIncompleteWrites(olderThan: Date().addingTimeInterval(60)) == 1)
            #expect(try await store.removeIncompleteWrites(olderThan: Date().addingTimeInterval(60)) == 0)
        }
    }

    @Test func aDroppedConnectionIsRetriedAndTheRequestSucceeds() async throws {
        let environment = try S3TestEnvironment.require()
        let upstream = try #require(environment.endpoint.port)
        let proxy = try FaultyTCPListener(.dropThenForward(count: 2, port: upstream))
        defer { proxy.stop() }
        try await environment.withFreshBucket { direct in
            var configuration = try environment.configuration(bucket: direct.configuration.bucket)
            configuration.endpoint = URL(string: "http://127.0.0.1:\(proxy.port)")!
            configuration.retryPolicy = .init(maxAttempts: 4, baseBackoff: .milliseconds(20))
            try await S3BlobStore.withStore(configuration) { flaky in
                try await flaky.put(key, [7, 7], options: .none)
            }
            #expect(proxy.connections >= 3)
            #expect(try await direct.get(key) == [7, 7])
        }
    }
}

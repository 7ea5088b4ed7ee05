import Foundation
import PostgresNIO

extension PostgresCatalog {
    /// The vault-wide exclusive lock (see ``Catalog/withExclusiveLock(_:_:)``): a session-level
    /// `pg_try_advisory_lock(0x5356584C, key(name))` on a connection of its own, outside the pool, held
    /// while `body` runs and then unlocked and closed. The server frees the lock when that connection
    /// ends for any reason (process killed, network lost), which is how another node takes over.
    ///
    /// While `body` runs, the connection is watched: its closing is noticed at once, and a
    /// `SELECT 1` every ``lockHeartbeat`` (2 s) finds a peer that vanished without closing (a
    /// restarted server). Either way `body` is cancelled and this throws
    /// ``CatalogError/backend(message:)`` ("lock ... was lost"), since another holder may now be
    /// doing the same work.
    public func withExclusiveLock<T: Sendable>(_ name: String, _ body: @Sendable () async throws -> T) async throws -> T? {
        try validateLockName(name)
        let objectID = LockKeys.objectID(name)
        let lock = try await Self.connect(configuration, context: context)
        let acquired = await lock.guardedQuery("SELECT pg_try_advisory_lock(\(LockKeys.exclusiveNamespace), \(objectID))")
        guard case .success(true?) = acquired else {
            await lock.close()
            if case .failure(let error) = acquired { throw error }
            return nil
        }
        logger.debug("exclusive lock taken", metadata: ["lock": "\(name)"])

        let heartbeat = lockHeartbeat
        let endpoint = configuration.endpoint
        let outcome: LockOutcome<T>? = await withoutActuallyEscaping(body) { body in
            await withTaskGroup(of: LockOutcome<T>?.self) { group in
                group.addTask {
                    do { return .finished(.success(try await body())) } catch { return .finished(.failure(error)) }
                }
                group.addTask {
                    await lock.watch(every: heartbeat).map { failure in
                        .lost(.backend(message: "exclusive lock '\(name)' was lost: its connection to \(endpoint) \(failure); "
                                       + "the work under it was cancelled and another node may have taken over"))
                    }
                }
                // The first outcome decides and the other task is cancelled (a cancelled watcher ends with nil).
                while let outcome = await group.next() {
                    guard let outcome else { continue }
                    group.cancelAll()
                    return outcome
                }
                return nil
            }
        }

        switch outcome {
        case .finished(let result):
            if case .failure(let error) = await lock.guardedQuery("SELECT pg_advisory_unlock(\(LockKeys.exclusiveNamespace), \(objectID))") {
                logger.warning("could not unlock exclusive lock; closing its connection releases it", metadata: ["lock": "\(name)", "error": "\(error)"])
            }
            await lock.close()
            return try result.get()
        case .lost(let error):
            logger.error("exclusive lock lost while held", metadata: ["lock": "\(name)", "error": "\(error)"])
            await lock.close()
            throw error
        case nil:
            await lock.close()
            throw CatalogError.backend(message: "exclusive lock '\(name)': the work ended without a result")
        }
    }
}

/// How the work under an exclusive lock ended: it finished (with its result), or the lock's
/// connection failed first.
enum LockOutcome<T: Sendable>: Sendable {
    case finished(Result<T, any Error>)
    case lost(CatalogError)
}

/// The first of several events wakes the one waiter; later events are ignored. (A query written to a
/// connection that has just closed is never answered by the driver, so waits on a dedicated
/// connection race the query against the connection's closing.)
final class FirstEvent<Event: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var waiter: CheckedContinuation<Event, Never>?
    private var first: Event?

    func signal(_ event: Event) {
        lock.lock()
        guard first == nil else { lock.unlock(); return }
        first = event
        let waiter = self.waiter
        self.waiter = nil
        lock.unlock()
        waiter?.resume(returning: event)
    }

    func wait() async -> Event {
        await withCheckedContinuation { continuation in
            lock.lock()
            if let first {
                lock.unlock()
                continuation.resume(returning: first)
            } else {
                waiter = continuation
                lock.unlock()
            }
        }
    }
}

extension PGConnection {
    /// Runs a one-value query, but gives up if the connection closes first.
    func guardedQuery(_ sql: String) async -> Result<Bool?, CatalogError> {
        let endpoint = context.configuration.endpoint
        guard !connection.isClosed else { return .failure(.backend(message: "the connection to \(endpoint) is closed (in: \(sql))")) }
        let event = FirstEvent<Result<Bool?, CatalogError>>()
        connection.closeFuture.whenComplete { _ in event.signal(.failure(.backend(message: "the connection to \(endpoint) closed (in: \(sql))"))) }
        let connection = self
        Task {
            do throws(CatalogError) {
                event.signal(.success(try await connection.query(sql) { row throws(CatalogError) in
                    row.cells[0].bytes == nil ? nil : try row.bool(0)
                }.first.flatMap { $0 }))
            } catch {
                event.signal(.failure(error))
            }
        }
        return await event.wait()
    }

    /// Watches a connection until the calling task is cancelled (returns nil) or the connection fails
    /// (returns how): closing is seen at once, and a `SELECT 1` each `interval` finds a dead peer.
    func watch(every interval: Duration) async -> String? {
        let event = FirstEvent<String?>()
        connection.closeFuture.whenComplete { _ in event.signal("closed") }
        let connection = self
        let beats = Task {
            while !Task.isCancelled {
                do { try await Task.sleep(for: interval) } catch { return }
                if case .failure(let error) = await connection.guardedQuery("SELECT true") {
                    event.signal("failed (\(error))")
                    return
                }
            }
        }
        let outcome = await withTaskCancellationHandler { await event.wait() } onCancel: { event.signal(nil) }
        beats.cancel()
        return outcome
    }
}

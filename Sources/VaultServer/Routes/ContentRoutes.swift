import ByteRanges
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import SessionVault
import VaultCrypto

/// `GET /api/recordings/{id}/content` and `GET /api/recordings/{id}/review`: decrypted streams
/// with Range, ETag and If-Range. Only the chunks a range touches are read and opened.
/// `POST /api/recordings/{id}/review` makes and stores the review copy (a GET never writes).
struct ContentRoutes: Sendable {
    let access: RecordingAccess
    let limiter: StreamLimiter
    let pool: PlaintextBufferPool
    let metrics: ServerMetrics
    let reviewCopies: ReviewCopyMaker
    var vault: Vault { access.vault }

    func register(on group: RouterGroup<APIRequestContext>) {
        group.get("recordings/:id/content", use: content)
        group.get("recordings/:id/review", use: review)
        group.post("recordings/:id/review", use: makeReviewCopy)
    }

    @Sendable func content(_ request: Request, context: APIRequestContext) async throws -> Response {
        let staff = try context.staffRequest(request)
        let record = try await access.resolve(try context.parameters.require("id"), request: staff, action: .get)
        return try await serve(record, request: request, staff: staff, note: nil)
    }

    /// The stored review copy if the recording has one whose wrap the caller's role holds
    /// (`X-Review-Source: derived`), else the original (`original`). Never transcodes or stores
    /// anything: a copy is made by `POST` (or `sessionvault review --store`), or at upload; one
    /// still being made from an upload is waited for.
    @Sendable func review(_ request: Request, context: APIRequestContext) async throws -> Response {
        let staff = try context.staffRequest(request)
        let original = try await access.resolve(try context.parameters.require("id"), request: staff, action: .get)
        _ = await vault.reviewCopyInProgress(of: original.id)
        var served = original
        var source = "original"
        if let copy = try await vault.reviewCopy(of: original.id), try await vault.holdsWrap(copy.id, role: staff.user.role) {
            served = copy
            source = "derived"
        }
        var response = try await serve(served, request: request, staff: staff, note: "review of \(original.id) (\(source))")
        response.headers[.reviewSource] = source
        return response
    }

    /// Makes the recording's review copy (WebM, Matroska or Ogg originals: VP8 640x360 15 fps + Opus,
    /// or Opus alone for audio) and stores it as
    /// a derived recording: same session, so the same consent and wraps; class `review-copy`; due no
    /// later than its source and destroyed with it. 201 with the new copy, 200 with the existing one,
    /// 422 for media the transcoder does not take (another container, or codecs it refuses).
    @Sendable func makeReviewCopy(_ request: Request, context: APIRequestContext) async throws -> Response {
        let staff = try context.staffRequest(request)
        let original = try await access.resolve(try context.parameters.require("id"), request: staff, action: .review)
        // A copy still being made from the upload is the copy: not a second one beside it.
        _ = await vault.reviewCopyInProgress(of: original.id)
        if let copy = try await vault.reviewCopy(of: original.id) {
            return try JSONResponse.make(ReviewCopyJSON(id: copy.id.description, source: original.id.description, created: false, dueOn: copy.dueOn),
                                         status: .ok, headers: [.location: "/api/recordings/\(copy.id)"])
        }
        guard ReviewCopyMaker.canTranscode(original) else {
            throw APIError(.unprocessableContent, "only WebM, Matroska and Ogg recordings get a review copy (this one is \(original.mediaType))")
        }
        try await access.requireWrap(original, request: staff)
        let role = try await access.unlockedRole(for: original, request: staff)
        let copyID = try await reviewCopies.copy(of: original.id, as: role, actor: context.actor)
        let copy = try? await vault.liveRecording(copyID)
        return try JSONResponse.make(ReviewCopyJSON(id: copyID.description, source: original.id.description, created: true, dueOn: copy?.dueOn),
                                     status: .created, headers: [.location: "/api/recordings/\(copyID)"])
    }

    /// Answers a content or review GET. The wrap is read once on the way that succeeds: by
    /// ``Vault/open(_:as:actor:purpose:detail:)``, which checks it, unwraps (or finds the memo of)
    /// the data key and audits the access. The refusals that come before opening (role not
    /// unlocked here, range not satisfiable, too many streams) check the wrap first, so that a
    /// caller without one is still told that, as before.
    func serve(_ record: RecordingRecord, request: Request, staff: StaffRequest, note: String?) async throws -> Response {
        let role: UnlockedRole
        if let unlocked = access.keychain.roles[staff.user.role] {
            role = unlocked
        } else {
            try await access.requireWrap(record, request: staff)
            role = try await access.unlockedRole(for: record, request: staff)
        }
        let etag = Self.etag(record)
        let size = record.byteCount
        let decision = RangeRequest.decide(range: request.headers[.range], ifRange: request.headers[.ifRange], etag: etag, size: size)
        var details: [String] = []
        if staff.breakGlass { details.append("break-glass") }
        if let note { details.append(note) }
        if case .unsatisfiable = decision {
            try await access.requireWrap(record, request: staff)
            try await vault.recordRefusal(.get, target: record.id.description, by: staff,
                                          reason: (details + ["range not satisfiable"]).joined(separator: "; "))
            throw APIError(.rangeNotSatisfiable, "range not satisfiable (the recording has \(size) bytes)",
                           headers: [.contentRange: "bytes */\(size)", .acceptRanges: "bytes"])
        }
        guard let permit = limiter.acquire() else {
            try await access.requireWrap(record, request: staff)
            try await vault.recordRefusal(.get, target: record.id.description, by: staff,
                                          reason: (details + ["too many concurrent streams"]).joined(separator: "; "))
            throw APIError(.serviceUnavailable, "too many streams in progress; retry shortly", headers: [.retryAfter: "1"])
        }
        var range: Range<Int64> = 0..<size
        switch decision {
        case .partial(let wanted):
            range = wanted
            details.append("range \(wanted.lowerBound)-\(wanted.upperBound - 1)")
        case .multipart(let parts):
            details.append("ranges " + parts.map { "\($0.lowerBound)-\($0.upperBound - 1)" }.joined(separator: ","))
        case .full, .unsatisfiable:
            break
        }
        let opened = try await access.open(record, as: role, request: staff, detail: details.isEmpty ? nil : details.joined(separator: "; "))
        var headers: HTTPFields = [
            .contentType: record.mediaType, .acceptRanges: "bytes", .eTag: etag, .cacheControl: "private, no-store",
            .xContentTypeOptions: "nosniff",
        ]
        var status = HTTPResponse.Status.ok
        if case .partial = decision {
            status = .partialContent
            headers[.contentRange] = "bytes \(range.lowerBound)-\(range.upperBound - 1)/\(size)"
        }
        if staff.breakGlass { headers[.breakGlassRecorded] = "true" }
        let vault = self.vault
        let metrics = self.metrics
        let pool = self.pool
        if case .multipart(let parts) = decision {
            let multipart = MultipartByteRanges(parts: parts, size: size, contentType: record.mediaType)
            headers[.contentType] = multipart.contentType
            let body = ResponseBody(contentLength: Int(multipart.contentLength)) { writer in
                defer { permit.release() }
                // The framing goes to the writer directly; only plaintext passes the sink (and its metric).
                var sink = PooledResponseSink(writer: writer, pool: pool, metrics: metrics)
                for (index, part) in parts.enumerated() {
                    try await sink.writer.write(ByteBuffer(string: multipart.head(of: index)))
                    try await vault.stream(opened, range: part, into: &sink)
                }
                try await sink.writer.write(ByteBuffer(string: multipart.tail))
                try await sink.writer.finish(nil)
            }
            return Response(status: .partialContent, headers: headers, body: body)
        }
        let streamRange = range
        let body = ResponseBody(contentLength: Int(range.count)) { writer in
            defer { permit.release() }
            var sink = PooledResponseSink(writer: writer, pool: pool, metrics: metrics)
            if !streamRange.isEmpty { try await vault.stream(opened, range: streamRange, into: &sink) }
            try await sink.writer.finish(nil)
        }
        return Response(status: status, headers: headers, body: body)
    }

    /// A strong validator: the recording id and its manifest tag (a MAC over the manifest, which
    /// covers every chunk's digest). Content never changes, so neither does the tag.
    static func etag(_ record: RecordingRecord) -> String {
        "\"\(record.id.compactHex)-\(Hex.encode(record.manifestTag.prefix(12)))\""
    }
}

/// The framing of a `multipart/byteranges` answer (RFC 9110 §14.6): each part is a boundary line,
/// its `Content-Type` and `Content-Range`, a blank line and the bytes; a closing boundary ends the
/// body. Every length is known before the first byte, so the answer carries a `Content-Length`.
struct MultipartByteRanges {
    let parts: [Range<Int64>]
    let size: Int64
    let partType: String
    /// 32 random hex digits: cannot occur in a part's headers, and a clash with the bytes of a
    /// recording is vanishingly unlikely (clients match the delimiter only at line starts, too).
    let boundary = (0..<16).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined()

    init(parts: [Range<Int64>], size: Int64, contentType: String) {
        self.parts = parts
        self.size = size
        self.partType = contentType
    }

    var contentType: String { "multipart/byteranges; boundary=\(boundary)" }

    /// What comes before part `index`'s bytes (the line break ending the previous part included).
    func head(of index: Int) -> String {
        let part = parts[index]
        return (index == 0 ? "" : "\r\n") + "--\(boundary)\r\nContent-Type: \(partType)\r\n"
            + "Content-Range: bytes \(part.lowerBound)-\(part.upperBound - 1)/\(size)\r\n\r\n"
    }

    /// The closing delimiter, after the last part's bytes.
    var tail: String { "\r\n--\(boundary)--\r\n" }

    var contentLength: Int64 {
        var total = Int64(tail.utf8.count)
        for index in parts.indices {
            total += Int64(head(of: index).utf8.count) + Int64(parts[index].count)
        }
        return total
    }
}

extension HTTPField.Name {
    static let reviewSource = HTTPField.Name("X-Review-Source")!
    static let breakGlassRecorded = HTTPField.Name("X-Break-Glass")!
}

import AsyncHTTPClient
import Crypto
import Foundation
import Logging
import NIOCore
import NIOHTTP1

extension S3BlobStore {
    /// The host and path of a request, as sent and as signed.
    func target(_ request: S3Request) -> (url: String, host: String, canonicalPath: String) {
        let endpoint = configuration.endpoint
        let scheme = endpoint.scheme?.lowercased() ?? "http"
        var host = endpoint.host ?? ""
        if host.contains(":") { host = "[\(host)]" }
        let encodedObject = request.objectName.map { SigV4Signer.uriEncode($0, encodeSlash: false) }
        let path: String
        switch configuration.addressingStyle {
        case .path:
            path = "/" + configuration.bucket + (encodedObject.map { "/" + $0 } ?? "")
        case .virtualHost:
            host = configuration.bucket + "." + host
            path = "/" + (encodedObject ?? "")
        }
        let hostHeader = endpoint.port.map { "\(host):\($0)" } ?? host
        let query = SigV4Signer.canonicalQueryString(request.query)
        let url = "\(scheme)://\(hostHeader)\(path)" + (query.isEmpty ? "" : "?" + query)
        return (url, hostHeader, path)
    }

    /// Sends a request, retrying connection failures, timeouts, 408, 429, 500, 502, 503, 504 and
    /// `SlowDown` with exponential backoff and jitter, and returns the last answer whatever its status.
    /// Throws ``BlobStoreError/unreachable(operation:key:endpoint:attempts:reason:)`` when no answer came.
    func send(_ request: S3Request, operation: String, key: BlobKey?) async throws(BlobStoreError) -> S3Response {
        let policy = configuration.retryPolicy
        let payloadHash = SigV4Signer.hex(SHA256.hash(data: request.body))
        var attempt = 0
        while true {
            attempt += 1
            let outcome = await attemptOnce(request, payloadHash: payloadHash)
            let reason: String
            switch outcome {
            case .success(var response):
                response.attempts = attempt
                guard Self.isRetryable(response), attempt < policy.maxAttempts else { return response }
                reason = "status \(response.status)" + (response.errorCode.map { " \($0)" } ?? "")
            case .failure(let failure):
                reason = failure.reason
                if !failure.retryable || attempt >= policy.maxAttempts {
                    throw .unreachable(
                        operation: operation, key: key?.path, endpoint: configuration.endpointDescription,
                        attempts: attempt, reason: reason)
                }
            }
            let delay = Self.backoff(beforeRetry: attempt, policy: policy)
            logger.debug(
                "S3 request will be retried",
                metadata: [
                    "operation": "\(operation)", "key": "\(key?.path ?? "-")", "attempt": "\(attempt)",
                    "reason": "\(reason)", "delay": "\(delay)",
                ])
            do {
                try await Task.sleep(for: delay)
            } catch {
                throw .unreachable(
                    operation: operation, key: key?.path, endpoint: configuration.endpointDescription,
                    attempts: attempt, reason: "cancelled while waiting to retry after \(reason)")
            }
        }
    }

    /// A transport failure: no HTTP answer.
    struct TransportFailure: Error {
        var reason: String
        var retryable: Bool
    }

    /// One signed attempt (signed afresh each time, so that a late retry carries a current date).
    private func attemptOnce(_ request: S3Request, payloadHash: String) async -> Result<S3Response, TransportFailure> {
        let (url, host, canonicalPath) = target(request)
        let now = Date()
        var headers = request.headers
        headers.append(("host", host))
        headers.append(("x-amz-date", SigV4Signer.amzDate(now).dateTime))
        headers.append(("x-amz-content-sha256", payloadHash))
        let signature = signer.sign(
            method: request.method.rawValue, canonicalPath: canonicalPath, query: request.query, headers: headers,
            payloadSHA256: payloadHash, date: now)
        var http = HTTPClientRequest(url: url)
        http.method = request.method
        for (name, value) in headers { http.headers.add(name: name, value: value) }
        http.headers.add(name: "authorization", value: signature.authorization)
        if !request.body.isEmpty || request.method == .PUT || request.method == .POST {
            http.body = .bytes(request.body)
        }
        let deadline = NIODeadline.now() + Self.timeAmount(configuration.requestTimeout)
        do {
            let response = try await client.execute(http, deadline: deadline, logger: logger)
            var body: [UInt8] = []
            if request.method != .HEAD {
                let buffer = try await response.body.collect(upTo: request.responseLimit)
                body = Array(buffer.readableBytesView)
            }
            return .success(S3Response(status: Int(response.status.code), headers: response.headers, body: body, attempts: 1))
        } catch let error as HTTPClientError where error == .alreadyShutdown {
            return .failure(TransportFailure(reason: "the store has been shut down", retryable: false))
        } catch is NIOTooManyBytesError {
            return .failure(
                TransportFailure(reason: "the answer is larger than \(request.responseLimit) bytes", retryable: false))
        } catch is CancellationError {
            return .failure(TransportFailure(reason: "cancelled", retryable: false))
        } catch {
            if Task.isCancelled { return .failure(TransportFailure(reason: "cancelled", retryable: false)) }
            let reason = Self.describe(error)
            // An untrusted certificate does not become trusted by asking again.
            if reason.contains("CERTIFICATE_VERIFY_FAILED") {
                let trusted = configuration.trustedCAFile.map { "the CAs in ca='\($0)'" }
                    ?? "the system's CAs; for an organisation's own CA, add ca=PATH-TO-CA.pem to the blob store URL"
                return .failure(TransportFailure(
                    reason: "the server's certificate was not issued by a trusted CA (trusted: \(trusted)); "
                        + "check also that the certificate names \(configuration.endpoint.host ?? "the endpoint's host") (\(reason))",
                    retryable: false))
            }
            return .failure(TransportFailure(reason: reason, retryable: true))
        }
    }

    static func isRetryable(_ response: S3Response) -> Bool {
        switch response.status {
        case 408, 429, 500, 502, 503, 504: return true
        case 200..<300: return false
        default: return response.errorCode == "SlowDown"
        }
    }

    /// A random wait between half and all of `base × 2^(retry-1)`, capped at `maxBackoff`.
    static func backoff(beforeRetry retry: Int, policy: S3Configuration.RetryPolicy) -> Duration {
        let ceiling = min(policy.maxBackoff, policy.baseBackoff * (1 << min(retry - 1, 30)))
        let seconds = Double(ceiling.components.seconds) + Double(ceiling.components.attoseconds) / 1e18
        return .seconds(seconds * Double.random(in: 0.5...1.0))
    }

    static func timeAmount(_ duration: Duration) -> TimeAmount {
        let (seconds, attoseconds) = duration.components
        return .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }

    /// A short, credential-free account of a transport error.
    static func describe(_ error: any Error) -> String {
        if let error = error as? HTTPClientError {
            switch error {
            case .connectTimeout: return "connection timed out"
            case .deadlineExceeded: return "request timed out"
            case .readTimeout: return "read timed out"
            case .remoteConnectionClosed: return "the server closed the connection"
            default: return "\(error)"
            }
        }
        let text = "\(error)"
        if text.contains("Connection refused") { return "connection refused" }
        if text.contains("Connection reset") { return "connection reset by the server" }
        return text
    }

    /// The error for an answer that was not a success: S3's code and message when the body has
    /// them, the endpoint, and the attempts if more than one.
    func failure(_ response: S3Response, operation: String, key: BlobKey?) -> BlobStoreError {
        var message: String
        if let document = response.errorDocument {
            let code = document.value("Code") ?? "Error"
            message = code + (document.value("Message").map { ": \($0)" } ?? "")
        } else {
            message = HTTPResponseStatus(statusCode: response.status).reasonPhrase
        }
        message += " (\(configuration.endpointDescription)"
        message += response.attempts > 1 ? ", after \(response.attempts) attempts)" : ")"
        return .remote(operation: operation, key: key?.path, status: response.status, message: message)
    }
}

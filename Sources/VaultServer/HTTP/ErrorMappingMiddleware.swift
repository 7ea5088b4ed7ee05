import Hummingbird
import Logging
import Media
import SessionVault

/// Turns the vault's typed errors into HTTP answers. Integrity failures and internal errors are
/// logged (their descriptions carry ids and reasons, never keys, tokens or identifiers) and
/// answered without detail.
struct ErrorMappingMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as any HTTPResponseError {
            throw error
        } catch let error as ServerError {
            throw APIError(.badRequest, error.description)
        } catch is CancellationError {
            throw CancellationError()
        } catch let thrown {
            guard let error = VaultError(wrapping: thrown) else {
                context.logger.error("request failed", metadata: ["error": .string(String(describing: type(of: thrown)))])
                throw APIError(.internalServerError, "internal error")
            }
            // The vault reports a failure of what the service handed it (the upload's body reader,
            // a response's writer) with that failure as the cause: answer it as the cause says.
            if let answer = error.cause as? any HTTPResponseError { throw answer }
            // Media the transcoder refuses (a codec it does not take, a damaged file) is the
            // request's content, not a failure of the service.
            if let media = error.cause as? MediaError, Self.isAboutTheContent(media) {
                throw APIError(.unprocessableContent, "the recording cannot be transcoded: \(media.description)")
            }
            switch error.code {
            case .cancelled: throw CancellationError()
            case .noWrap, .noConsent, .noActiveScope, .officerRefused, .notOnCareList, .uploadNotAllowed, .signInRefused: throw APIError(.forbidden, error.description)
            // A recording a sweep began destroying after the request found it live is gone, not an error.
            case .recordingNotFound, .notLive: throw APIError(.notFound, "no such recording")
            case .rangeNotSatisfiable: throw APIError(.rangeNotSatisfiable, error.description)
            case .invalidRange, .invalidName, .invalidArgument, .invalidText, .unknownScope, .invalidCaptureDate, .timeNotBorrowable: throw APIError(.badRequest, error.description)
            // The service holds no vault passphrase: an act that needs it (an officer without their own copy of the pseudonym key) is refused.
            case .passphraseMissing: throw APIError(.conflict, error.description)
            case .manifestTampered, .chunkTampered, .chunkMissing:
                context.logger.error("integrity failure", metadata: ["error": .string(error.description)])
                throw APIError(.internalServerError, "the recording failed integrity verification; the failure was logged")
            case .catalogFailed:
                context.logger.error("catalog error", metadata: ["error": .string(error.description)])
                throw APIError(.serviceUnavailable, "the catalog is unavailable")
            default:
                context.logger.error("request failed", metadata: ["error": .string(error.description)])
                throw APIError(.internalServerError, "internal error")
            }
        }
    }

    /// Whether a media failure is about the media itself (as opposed to reading or writing it).
    static func isAboutTheContent(_ error: MediaError) -> Bool {
        switch error.code {
        case .emptyInput, .notMedia, .malformed, .truncated, .limitExceeded, .unsupportedCodec, .unsupportedFeature, .noUsableTrack: true
        case .codecFailure, .sourceFailed, .sinkFailed, .cancelled: false
        }
    }
}

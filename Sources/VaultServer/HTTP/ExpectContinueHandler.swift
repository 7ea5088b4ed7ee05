import HTTPTypes
import NIOHTTPTypes
import NIOCore

/// Answers `Expect: 100-continue` with `100 Continue`, so that a client which asks before sending
/// a body (curl does for any upload over 1 MiB, as do some HTTP libraries) sends it at once
/// instead of waiting out its own timeout (a second, for curl) on every upload.
///
/// The interim answer goes out when the request head arrives, before the route has looked at the
/// request: a request then refused (no token, too large, no consent) gets its final status after
/// the client has begun to send, which is what a server that ignores the expectation gets too;
/// the upload route stops reading at the refusal either way. `100-continue` is the only
/// expectation HTTP/1.1 defines; any other is passed on and ignored, which RFC 9110 (10.1.1)
/// allows.
final class ExpectContinueHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .head(var head) = unwrapInboundIn(data),
           let expectation = head.headerFields[.expect], expectation.lowercased() == "100-continue" {
            context.writeAndFlush(wrapOutboundOut(.head(HTTPResponse(status: .continue))), promise: nil)
            // Answered here: the routes see a plain request.
            head.headerFields[.expect] = nil
            context.fireChannelRead(wrapInboundOut(.head(head)))
            return
        }
        context.fireChannelRead(data)
    }
}

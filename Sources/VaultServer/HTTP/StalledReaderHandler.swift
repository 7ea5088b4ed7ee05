import NIOCore

/// Closes a connection whose client has stopped reading the response.
///
/// The idle timeout of the HTTP server covers a client that stops *sending* (a request head or
/// body that does not arrive). A client that asks for a recording and then stops reading holds a
/// stream permit, a decryption window and a task for as long as it likes: enough of them and
/// clinicians get 503. This handler sits behind an `IdleStateHandler` with a write timeout: when no
/// write has completed for that long and the channel is not writable (its outbound buffer is full
/// because the peer's receive window is closed), the response cannot make progress and the
/// connection is closed. The stream's pending write then fails, and its permit is given back.
/// An idle keep-alive connection is writable, so it is left to the read idle timeout.
final class StalledReaderHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let idle = event as? IdleStateHandler.IdleStateEvent, idle == .write, !context.channel.isWritable {
            context.close(promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    /// The handlers to add to each HTTP connection: a write-idle detector and this handler.
    static func handlers(stallTimeout: TimeAmount) -> [any RemovableChannelHandler] {
        [IdleStateHandler(writeTimeout: stallTimeout), StalledReaderHandler()]
    }
}

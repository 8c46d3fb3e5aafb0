import NIOCore

/// The first handler of a connection, before the HTTP decoder: tells ``HTTPConnectionHandler``
/// when request bytes arrive, and drops every byte once the connection takes no more requests.
///
/// Dropping is what keeps a closing connection's memory flat: a client may go on sending after a
/// refused request or a `Connection: close`, and the decoder would otherwise hold all of it (after
/// a request that asks to switch protocols it stops parsing and buffers every later byte).
final class InboundGate: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    /// The event sent up the pipeline before the bytes of each read are passed on.
    struct BytesArrived {
        /// When the read happened, on the event loop's clock.
        var instant: NIODeadline
    }

    /// Whether bytes are dropped from now on.
    private var isDiscarding = false

    /// Drops every byte that arrives from now on; the connection reads on, so the peer is never
    /// stalled into sending a reset, and its bytes are freed as they come.
    func discard() {
        isDiscarding = true
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !isDiscarding else { return }
        context.fireUserInboundEventTriggered(BytesArrived(instant: context.eventLoop.now))
        context.fireChannelRead(data)
    }
}

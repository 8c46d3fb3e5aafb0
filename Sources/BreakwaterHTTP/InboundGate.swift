import NIOCore

/// The first handler of a connection, before the HTTP decoder: tells ``HTTPConnectionHandler``
/// when request bytes arrive, and stops taking bytes in once the connection takes no more
/// requests.
///
/// A client may go on sending after a refused request or a `Connection: close`, and the decoder
/// would hold all of it (after a request that asks to switch protocols it stops parsing and
/// buffers every later byte). So the gate first stops reading altogether: what the client sends
/// waits in the kernel's buffers, costing the process neither memory nor CPU. Once the last
/// response is written, it drains: it reads and drops at most ``drainLimit`` bytes, so that the
/// client reads its response rather than a reset, and closes the connection past that.
final class InboundGate: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = Never

    /// The event sent up the pipeline before the bytes of each read are passed on.
    struct BytesArrived {
        /// When the read happened, on the event loop's clock.
        var instant: NIODeadline
    }

    /// The most a draining connection reads and drops before it closes: far more than the tail of
    /// requests a client pipelined behind its last one.
    static let drainLimit = 1 << 20

    private enum State {
        /// Bytes are passed on.
        case open
        /// Nothing is read; anything read already is dropped.
        case held
        /// Bytes are read and dropped; this many more may come before the connection closes.
        case draining(remaining: Int)
    }

    private var state = State.open
    private var context: ChannelHandlerContext?
    /// Whether a read was asked for while the gate held the connection.
    private var readWithheld = false

    /// Stops taking bytes in: nothing more is read, and what was read already is dropped.
    func hold() {
        if case .open = state {
            state = .held
        }
    }

    /// Reads again, dropping every byte, and closes the connection past ``drainLimit`` bytes.
    func drain() {
        guard case .held = state else { return }
        state = .draining(remaining: Self.drainLimit)
        if readWithheld, let context {
            readWithheld = false
            context.read()
        }
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch state {
        case .open:
            context.fireUserInboundEventTriggered(BytesArrived(instant: context.eventLoop.now))
            context.fireChannelRead(data)
        case .held:
            break
        case .draining(let remaining):
            let left = remaining - unwrapInboundIn(data).readableBytes
            state = .draining(remaining: left)
            if left < 0 {
                context.close(promise: nil)
            }
        }
    }

    func read(context: ChannelHandlerContext) {
        if case .held = state {
            readWithheld = true
        } else {
            context.read()
        }
    }
}

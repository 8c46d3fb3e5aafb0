import NIOCore

/// Tells a client that sends plain HTTP to the TLS port so, instead of leaving it with a failed
/// handshake it cannot read: a `400` in plain text, then the connection closes (Go's `net/http`
/// does the same). A request begins with an upper-case method name; anything else (a TLS
/// handshake begins with 22) passes on untouched to TLS, and the handler leaves the pipeline.
final class PlainHTTPRefusal: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// The answer: a whole HTTP/1.1 response that any HTTP client can read.
    static let response: ByteBuffer = {
        let body = "400 Bad Request: this port speaks HTTPS; send the request over TLS.\n"
        return ByteBuffer(
            string: "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\n"
                + "Content-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n" + body)
    }()

    private var refused = false

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !refused else { return }
        let bytes = unwrapInboundIn(data)
        guard let first = bytes.getInteger(at: bytes.readerIndex, as: UInt8.self) else { return }
        guard first >= UInt8(ascii: "A"), first <= UInt8(ascii: "Z") else {
            // A handshake, or bytes TLS will refuse in its own words.
            context.fireChannelRead(data)
            context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
            return
        }
        refused = true
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(Self.response)).whenComplete { _ in
            channel.close(promise: nil)
        }
    }
}

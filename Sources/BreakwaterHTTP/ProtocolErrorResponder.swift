import NIOCore
import NIOHTTP1

/// Answers a request the HTTP decoder could not parse, then closes the connection:
/// `431 Request Header Fields Too Large` when the head is over the limit, `400 Bad Request` for
/// anything else (a malformed request line, raw garbage, a bad header).
///
/// NIO's `HTTPServerProtocolErrorHandler` does the same with 400 for every error; a scraper
/// whose head is too large deserves to be told so.
final class ProtocolErrorResponder: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    private var responseInProgress = false
    private var failed = false

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // After a parse error the decoder reports every later read as an error too: the
        // connection is already on its way out.
        if failed { return }
        guard let parserError = error as? HTTPParserError else {
            context.fireErrorCaught(error)
            return
        }
        failed = true
        // Only one response can be in progress on a connection; if one is, the connection is
        // closed without a word.
        guard !responseInProgress else {
            context.close(promise: nil)
            return
        }
        let status: HTTPResponseStatus = parserError == .headerOverflow ? .requestHeaderFieldsTooLarge : .badRequest
        let body = context.channel.allocator.buffer(string: "\(status.code) \(status.reasonPhrase)\n")
        var headers = HTTPHeaders()
        headers.add(name: "Connection", value: "close")
        headers.add(name: "Content-Type", value: "text/plain; charset=utf-8")
        headers.add(name: "Content-Length", value: String(body.readableBytes))
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
        let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in
            loopBound.value.close(promise: nil)
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if !failed {
            context.fireChannelRead(data)
        }
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head(let head) where head.status.code >= 200:
            responseInProgress = true
        case .end:
            responseInProgress = false
        case .head, .body:
            break
        }
        context.write(data, promise: promise)
    }
}

import NIOCore
import NIOHTTP1

/// Closes a connection whose client is too slow: idle too long between requests, trickling a
/// request, or not reading a response.
///
/// It sits after the HTTP decoder and the pipelining handler, so it sees one request at a time.
/// The decoder only passes a request on once its head is complete, so the first raw byte of a
/// request is reported by ``RequestBytesMarker``, placed before the decoder: from that byte on,
/// the whole request must arrive within the read timeout, however slowly it drips in.
final class ConnectionDeadlineHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    private enum Phase {
        /// Between requests; `bytesSeen` once the next request has begun to arrive.
        case awaitingRequest(bytesSeen: Bool)
        /// The head has arrived, its body has not ended.
        case receivingRequest
        /// The request is complete and the server is working on the answer: no deadline.
        case handlingRequest
        /// The response is being written.
        case writingResponse
    }

    private let readTimeout: TimeAmount
    private let idleTimeout: TimeAmount
    private let writeTimeout: TimeAmount
    private var phase = Phase.awaitingRequest(bytesSeen: false)
    private var deadline: Scheduled<Void>?

    init(readTimeout: Duration, idleTimeout: Duration, writeTimeout: Duration) {
        self.readTimeout = TimeAmount(readTimeout)
        self.idleTimeout = TimeAmount(idleTimeout)
        self.writeTimeout = TimeAmount(writeTimeout)
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive {
            arm(idleTimeout, context: context)
        }
    }

    func channelActive(context: ChannelHandlerContext) {
        arm(idleTimeout, context: context)
        context.fireChannelActive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        disarm()
    }

    func channelInactive(context: ChannelHandlerContext) {
        disarm()
        context.fireChannelInactive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is RequestBytesMarker.BytesReceived {
            if case .awaitingRequest(bytesSeen: false) = phase {
                phase = .awaitingRequest(bytesSeen: true)
                arm(readTimeout, context: context)
            }
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head:
            // A pipelined request was buffered while the previous response was written, so its
            // bytes may have been seen in another phase: its read deadline starts now at the latest.
            if case .awaitingRequest(bytesSeen: false) = phase {
                arm(readTimeout, context: context)
            }
            phase = .receivingRequest
        case .body:
            break
        case .end:
            phase = .handlingRequest
            disarm()
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head(let head) where head.status.code >= 200:
            phase = .writingResponse
            arm(writeTimeout, context: context)
            context.write(data, promise: promise)
        case .end:
            let written = promise ?? context.eventLoop.makePromise()
            let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            written.futureResult.whenSuccess {
                let (handler, context) = loopBound.value
                handler.responseWritten(context: context)
            }
            context.write(data, promise: written)
        case .head, .body:
            context.write(data, promise: promise)
        }
    }

    private func responseWritten(context: ChannelHandlerContext) {
        guard case .writingResponse = phase else { return }
        phase = .awaitingRequest(bytesSeen: false)
        arm(idleTimeout, context: context)
    }

    private func arm(_ timeout: TimeAmount, context: ChannelHandlerContext) {
        disarm()
        let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
        deadline = context.eventLoop.scheduleTask(in: timeout) {
            loopBound.value.close(promise: nil)
        }
    }

    private func disarm() {
        deadline?.cancel()
        deadline = nil
    }
}

/// Tells ``ConnectionDeadlineHandler`` that request bytes arrived, before the HTTP decoder has
/// made anything of them.
final class RequestBytesMarker: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    /// The event sent up the pipeline for every read.
    struct BytesReceived {}

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        context.fireUserInboundEventTriggered(BytesReceived())
        context.fireChannelRead(data)
    }
}

extension TimeAmount {
    /// The same span in NIO's nanoseconds, saturating for spans beyond about 292 years.
    init(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        let (whole, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        self = overflow ? .nanoseconds(.max) : .nanoseconds(whole &+ attoseconds / 1_000_000_000)
    }
}

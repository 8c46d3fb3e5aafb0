import NIOCore
import NIOHTTP1

/// Closes a connection whose client is too slow: idle too long between requests, trickling a
/// request, or not reading its responses.
///
/// It sits after the HTTP decoder and the pipelining handler, so it sees one request at a time.
/// The decoder only passes a request on once its head is complete, so the first raw byte of a
/// request is reported by ``RequestBytesMarker``, placed before the decoder: from that byte on,
/// the whole request must arrive within the read timeout, however slowly it drips in.
///
/// While any response is not yet fully handed to the kernel, the write timeout rules alone: a
/// pipelining client that stops reading cannot escape it by sending its next request.
final class ConnectionDeadlineHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    private enum RequestPhase {
        /// Between requests; `bytesSeen` once the next request has begun to arrive.
        case awaitingRequest(bytesSeen: Bool)
        /// The head has arrived, its body has not ended.
        case receivingRequest
        /// The request is complete and the server is working on the answer: no deadline.
        case handlingRequest
    }

    private let readTimeout: TimeAmount
    private let idleTimeout: TimeAmount
    private let writeTimeout: TimeAmount
    private var phase = RequestPhase.awaitingRequest(bytesSeen: false)
    /// Responses whose head was written and whose end the kernel has not yet taken.
    private var responsesInFlight = 0
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
        guard event is RequestBytesMarker.BytesReceived else {
            context.fireUserInboundEventTriggered(event)
            return
        }
        if case .awaitingRequest(bytesSeen: false) = phase {
            phase = .awaitingRequest(bytesSeen: true)
            if responsesInFlight == 0 {
                arm(readTimeout, context: context)
            }
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head:
            // A pipelined request was buffered while the previous response was written, so its
            // first bytes may have gone unnoticed: its read deadline starts now at the latest.
            if case .awaitingRequest(bytesSeen: false) = phase, responsesInFlight == 0 {
                arm(readTimeout, context: context)
            }
            phase = .receivingRequest
        case .body:
            break
        case .end:
            phase = .handlingRequest
            if responsesInFlight == 0 {
                disarm()
            }
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head(let head) where head.status.code >= 200:
            responsesInFlight += 1
            if responsesInFlight == 1 {
                arm(writeTimeout, context: context)
            }
            context.write(data, promise: promise)
        case .end:
            // The request is answered. Set before passing the end on: the pipelining handler
            // delivers the next buffered request while the end goes by.
            phase = .awaitingRequest(bytesSeen: false)
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
        responsesInFlight -= 1
        if responsesInFlight > 0 {
            arm(writeTimeout, context: context)
            return
        }
        switch phase {
        case .awaitingRequest(bytesSeen: false): arm(idleTimeout, context: context)
        case .awaitingRequest(bytesSeen: true), .receivingRequest: arm(readTimeout, context: context)
        case .handlingRequest: disarm()
        }
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

import NIOCore
import NIOHTTP1

/// The HTTP/1.1 rules of one connection, between NIO's codec and the async ``Responder``: it turns
/// request parts into whole ``Request``s, writes ``Response``s, and decides when the connection
/// ends and how.
///
/// - Requests: bodies are read and dropped, except the first ``CircuitAction/maximumBodySize``
///   bytes of a `POST`'s; a head the protocol does not allow
///   (``RequestValidation``) or that the decoder cannot parse becomes a refused request, answered in
///   its turn, after which the connection takes no more. `Expect: 100-continue` is answered with
///   `100 Continue` once the responses before it are written.
/// - Pipelining: at most `maximumPipelinedRequests` requests may wait for their answers; a client
///   that sends more gets the answers it is owed and then the connection closes.
/// - Writing: bodies go out in slices while the channel is writable (``ResponseOutbox``).
/// - Deadlines: a new connection must deliver its first request within the read timeout; between
///   requests it may idle for the idle timeout; from the first byte of a request, the whole
///   request must arrive within the read timeout; while a response is unwritten, the write timeout
///   alone applies, so a client that stops reading cannot escape it by sending more.
/// - Ending: once the connection takes no more requests, nothing more is read until the last
///   response is written; then the output is half-closed and what the client still sends is read
///   and dropped for at most the linger timeout and ``InboundGate/drainLimit`` bytes (a
///   "lingering close"), so the client reads the response instead of a reset. A client that
///   half-closes its side is answered, then closed.
final class HTTPConnectionHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = Request
    typealias OutboundIn = Response
    typealias OutboundOut = HTTPServerResponsePart

    /// The bounds a connection is held to.
    struct Limits {
        var readTimeout: TimeAmount
        var idleTimeout: TimeAmount
        var writeTimeout: TimeAmount
        /// How long a closing connection drains what the client still sends.
        var lingerTimeout: TimeAmount
        var maximumPipelinedRequests: Int
    }

    private enum Deadline: Equatable {
        case read, idle, write, linger
    }

    private let limits: Limits
    private let gate: InboundGate
    private let pending: PendingRequests
    private let phaseChanged: (ConnectionPhase, NIODeadline) -> Void

    /// The request whose head has arrived and whose end has not.
    private var receiving: (head: HTTPRequestHead, arrival: NIODeadline)?
    /// The start of the body of the `POST` being received.
    private var receivingBody: (bytes: ByteBuffer, tooLarge: Bool)?
    /// Whether bytes of a request that has no head yet have arrived.
    private var requestBytesSeen = false
    private var lastReadAt: NIODeadline
    /// Requests handed to the responder and not answered yet.
    private var unanswered = 0
    /// Responses queued in the outbox or handed to NIO whose last byte the kernel has not taken yet.
    private var unwritten = 0
    private var answeredAny = false
    /// Whether the request being received waits for a `100 Continue`.
    private var continueOwed = false

    /// `false` once the connection takes no more requests: it closes when the ones it took are
    /// answered.
    private var acceptsRequests = true
    private var inputClosed = false
    private var quiescing = false
    private var lingering = false

    private let outbox = ResponseOutbox()
    private var deadline: (kind: Deadline, task: Scheduled<Void>)?
    private var phase: ConnectionPhase?

    /// A handler for a connection whose raw bytes pass `gate`; it counts requests handed on in
    /// `pending` and reports every change of phase to `phaseChanged`.
    init(
        limits: Limits,
        gate: InboundGate,
        pending: PendingRequests,
        now: NIODeadline,
        phaseChanged: @escaping (ConnectionPhase, NIODeadline) -> Void
    ) {
        self.limits = limits
        self.gate = gate
        self.pending = pending
        self.lastReadAt = now
        self.phaseChanged = phaseChanged
    }

    // MARK: Lifecycle

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive {
            update(context: context)
        }
    }

    func channelActive(context: ChannelHandlerContext) {
        update(context: context)
        context.fireChannelActive()
    }

    // Queued responses fail first: their failure counts them written, which may arm a deadline,
    // and a connection that is gone keeps none.
    func handlerRemoved(context: ChannelHandlerContext) {
        outbox.failAll()
        cancelDeadline()
    }

    func channelInactive(context: ChannelHandlerContext) {
        outbox.failAll()
        cancelDeadline()
        context.fireChannelInactive()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable {
            outbox.send(context: context, wrap: wrapOutboundOut)
        }
        context.fireChannelWritabilityChanged()
    }

    // MARK: Inbound

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        switch event {
        case let arrived as InboundGate.BytesArrived:
            lastReadAt = arrived.instant
            if receiving == nil, acceptsRequests {
                requestBytesSeen = true
            }
            update(context: context)
        case ChannelEvent.inputClosed:
            inputClosed = true
            // A request cut off by the client's FIN can never be answered.
            receiving = nil
            requestBytesSeen = false
            // The async side's stream ends after the requests it holds.
            context.fireUserInboundEventTriggered(event)
            closeIfDone(context: context)
        case is ChannelShouldQuiesceEvent:
            quiescing = true
            // A request on its way in is still answered; nothing after it is taken.
            if receiving == nil {
                stopAcceptingRequests()
            }
            closeIfDone(context: context)
        default:
            context.fireUserInboundEventTriggered(event)
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard acceptsRequests else { return }
        switch unwrapInboundIn(data) {
        case .head(let head):
            requestBytesSeen = false
            guard unanswered < limits.maximumPipelinedRequests else {
                // This request is dropped unanswered; the client retries it on a new connection.
                stopAcceptingRequests()
                closeIfDone(context: context)
                return
            }
            if let refusal = RequestValidation.refusal(for: head) {
                stopAcceptingRequests()
                deliver(Request(head: head, arrival: lastReadAt, refusal: refusal), context: context)
                return
            }
            receiving = (head, lastReadAt)
            receivingBody = head.method == .POST ? (ByteBuffer(), false) : nil
            continueOwed = RequestValidation.expectsContinue(head)
            sendOwedContinue(context: context)
            update(context: context)
        case .body(var part):
            guard var body = receivingBody, !body.tooLarge else { return }
            receivingBody = nil
            if body.bytes.readableBytes + part.readableBytes > CircuitAction.maximumBodySize {
                body.tooLarge = true
            } else {
                body.bytes.writeBuffer(&part)
            }
            receivingBody = body
        case .end:
            guard let request = receiving else { return }
            let body = receivingBody
            receiving = nil
            receivingBody = nil
            continueOwed = false
            // Nothing after a request that closes the connection is a request; nor after the one
            // in progress when the server began shutting down.
            if quiescing || !request.head.isKeepAlive {
                stopAcceptingRequests()
            }
            deliver(
                Request(
                    head: request.head, arrival: request.arrival, body: body?.bytes, bodyTooLarge: body?.tooLarge ?? false,
                    client: body == nil ? nil : context.channel.remoteAddress),
                context: context)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        let status: HTTPResponseStatus
        switch error {
        case HTTPParserError.headerOverflow, is ByteToMessageDecoderError.PayloadTooLargeError:
            status = .requestHeaderFieldsTooLarge
        case is HTTPParserError:
            status = .badRequest
        default:
            context.fireErrorCaught(error)
            return
        }
        // After a parse error the decoder reports every later read as an error too.
        guard acceptsRequests else { return }
        stopAcceptingRequests()
        receiving = nil
        let reason = status == .badRequest ? "the request could not be parsed" : "the request head is too large"
        let head = HTTPRequestHead(version: .http1_1, method: .GET, uri: "/")
        deliver(Request(head: head, arrival: lastReadAt, refusal: Refusal(status: status, reason: reason)), context: context)
        // Outside a read, the async side only sees the request on a read-complete.
        context.fireChannelReadComplete()
    }

    private func deliver(_ request: Request, context: ChannelHandlerContext) {
        unanswered += 1
        pending.add()
        context.fireChannelRead(wrapInboundOut(request))
        update(context: context)
    }

    private func stopAcceptingRequests() {
        acceptsRequests = false
        requestBytesSeen = false
        gate.hold()
    }

    // MARK: Outbound

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let response = unwrapOutboundIn(data)
        unanswered -= 1
        let closes = !response.keepAlive || quiescing || (!acceptsRequests && unanswered == 0)
        var head = response.head
        if closes {
            stopAcceptingRequests()
            head.headers.add(name: "Connection", value: "close")
        } else if head.version == .http1_0 {
            head.headers.add(name: "Connection", value: "keep-alive")
        }
        unwritten += 1
        let written = context.eventLoop.makePromise(of: Void.self)
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        let holds = response.holds
        written.futureResult.whenComplete { _ in
            // Held until now, and let go with this closure: the body stays in memory until the
            // kernel has taken it.
            withExtendedLifetime(holds) {}
            let (handler, context) = loopBound.value
            handler.responseWritten(context: context)
        }
        written.futureResult.cascade(to: promise)
        outbox.append(head, body: response.body, written: written)
        outbox.send(context: context, wrap: wrapOutboundOut)
        // The first response queued starts the write deadline; further ones queue behind it.
        update(context: context)
    }

    private func responseWritten(context: ChannelHandlerContext) {
        unwritten -= 1
        answeredAny = true
        if unwritten > 0 {
            // Progress: the next response gets the whole write timeout.
            arm(.write, context: context)
        }
        sendOwedContinue(context: context)
        closeIfDone(context: context)
        update(context: context)
    }

    /// Sends `100 Continue` to a request waiting for it once every response before it is written,
    /// so that it cannot come out of order.
    private func sendOwedContinue(context: ChannelHandlerContext) {
        guard continueOwed, receiving != nil, unanswered == 0, unwritten == 0, context.channel.isActive else { return }
        continueOwed = false
        let head = HTTPResponseHead(version: .http1_1, status: .continue)
        context.writeAndFlush(wrapOutboundOut(.head(head)), promise: nil)
    }

    // MARK: Ending

    /// Closes the connection once it takes no more requests, or the client has half-closed, and
    /// every request it took is answered and written: at once after a client's FIN, else with a
    /// lingering close.
    private func closeIfDone(context: ChannelHandlerContext) {
        guard !acceptsRequests || inputClosed, unanswered == 0, unwritten == 0, context.channel.isActive else { return }
        if inputClosed {
            context.close(promise: nil)
            return
        }
        guard !lingering else { return }
        lingering = true
        stopAcceptingRequests()
        gate.drain()
        let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
        context.close(mode: .output).whenFailure { _ in
            loopBound.value.close(promise: nil)
        }
        update(context: context)
    }

    // MARK: Deadlines and phase

    /// The deadline the connection's state calls for, if any.
    private var wantedDeadline: Deadline? {
        if lingering { return .linger }
        if unwritten > 0 { return .write }
        // The server is working on an answer: the client has nothing to do.
        if unanswered > 0 { return nil }
        if receiving != nil || requestBytesSeen { return .read }
        if !acceptsRequests { return nil }
        // A new connection's first request is due within the read timeout of its accept.
        return answeredAny ? .idle : .read
    }

    private var currentPhase: ConnectionPhase {
        if lingering { return .closing }
        if unanswered > 0 || unwritten > 0 { return .busy }
        if receiving != nil || requestBytesSeen { return .receiving }
        return .idle
    }

    /// Arms the deadline the state calls for unless it already runs (a read deadline runs from the
    /// request's first byte, not its last), and reports a change of phase.
    private func update(context: ChannelHandlerContext) {
        if let wanted = wantedDeadline {
            if deadline?.kind != wanted {
                arm(wanted, context: context)
            }
        } else {
            cancelDeadline()
        }
        let now = currentPhase
        if now != phase {
            phase = now
            phaseChanged(now, context.eventLoop.now)
        }
    }

    private func arm(_ kind: Deadline, context: ChannelHandlerContext) {
        cancelDeadline()
        let timeout = switch kind {
        case .read: limits.readTimeout
        case .idle: limits.idleTimeout
        case .write: limits.writeTimeout
        case .linger: limits.lingerTimeout
        }
        let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
        let task = context.eventLoop.scheduleTask(in: timeout) {
            loopBound.value.close(promise: nil)
        }
        deadline = (kind, task)
    }

    private func cancelDeadline() {
        deadline?.task.cancel()
        deadline = nil
    }
}

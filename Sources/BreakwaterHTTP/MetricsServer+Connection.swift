import Logging
import NIOCore
import NIOHTTP1

/// One accepted connection, as the server's accept loop receives it.
struct Connection: Sendable {
    /// The connection wrapped for async use; `nil` when the server was full of busy connections or
    /// shutting down, and the connection is being closed unanswered.
    var channel: HTTPConnectionChannel?
    /// Requests handed to the async side and not yet taken by the responder.
    var pending: PendingRequests
}

extension MetricsServer {
    /// Sets up a new connection's pipeline, on its event loop: raw bytes pass a gate that can drop
    /// them, are decoded within the head limit, and become whole requests under the connection's
    /// rules (``HTTPConnectionHandler``).
    func makeConnection(_ channel: any Channel) throws -> Connection {
        let pending = PendingRequests()
        guard connections.admit(channel, now: channel.eventLoop.now) else {
            logger.debug("metrics server shutting down or every connection busy; closing a new connection")
            // At once: a connection accepted as the listener closes is never registered, so it
            // would never become active to be closed later.
            channel.close(promise: nil)
            return Connection(channel: nil, pending: pending)
        }
        var limits = NIOHTTPDecoderLimitConfiguration()
        limits.maxHeaderListSize = configuration.maximumRequestHeadSize
        limits.maxHeaderFieldSize = configuration.maximumRequestHeadSize
        limits.maxHeaderFieldCount = 256
        let gate = InboundGate()
        let key = ObjectIdentifier(channel)
        let connections = self.connections
        let pipeline = channel.pipeline.syncOperations
        try transport?.addHandlers(to: channel)
        try pipeline.addHandler(gate)
        try pipeline.addHandler(HTTPResponseEncoder(configuration: HTTPResponseEncoder.Configuration()))
        // The decoder holds at most a head and one read: past that it has stopped parsing (a
        // request to switch protocols), and the bytes would pile up.
        try pipeline.addHandler(
            ByteToMessageHandler(
                HTTPRequestDecoder(leftOverBytesStrategy: .dropBytes, limitConfiguration: limits),
                maximumBufferSize: configuration.maximumRequestHeadSize + 65_536
            )
        )
        try pipeline.addHandler(
            HTTPConnectionHandler(
                limits: HTTPConnectionHandler.Limits(
                    readTimeout: TimeAmount(configuration.readTimeout),
                    idleTimeout: TimeAmount(configuration.idleTimeout),
                    writeTimeout: TimeAmount(configuration.writeTimeout),
                    lingerTimeout: TimeAmount(configuration.lingerTimeout),
                    maximumPipelinedRequests: configuration.maximumPipelinedRequests
                ),
                gate: gate,
                pending: pending,
                now: channel.eventLoop.now
            ) { phase, now in
                connections.update(key, to: phase, at: now)
            }
        )
        let wrapped = try HTTPConnectionChannel(wrappingChannelSynchronously: channel)
        connections.hold(wrapped)
        return Connection(channel: wrapped, pending: pending)
    }

    /// Answers the connection's requests in order until it takes no more, then waits until it has
    /// written its last response and closed.
    func handle(_ channel: HTTPConnectionChannel, pending: PendingRequests) async {
        do {
            try await channel.executeThenClose { inbound, outbound in
                // The body of the last response, kept only while requests wait behind it: a
                // pipelined request that arrived before its render began is answered with it.
                var previous: RenderedBody?
                // When this connection last asked for a change: a request after it reads it, so
                // it counts as arriving then, and no body rendered before answers it.
                var changedAt: NIODeadline?
                for try await var request in inbound {
                    pending.take()
                    if let changedAt {
                        request.arrival = max(request.arrival, changedAt)
                    }
                    let (response, body) = await responder.respond(to: request, reusing: previous)
                    if request.head.method == .POST {
                        changedAt = .now()
                    }
                    try await outbound.write(response)
                    previous = pending.isEmpty ? nil : body ?? previous
                }
                // The connection closes itself once its last response is written; closing it
                // here could cut that response short.
                try await channel.channel.closeFuture.get()
            }
        } catch {
            logger.trace("metrics connection ended: \(error)")
        }
    }
}

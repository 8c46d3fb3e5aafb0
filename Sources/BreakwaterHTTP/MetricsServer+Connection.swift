import Logging
import NIOCore
import NIOHTTP1

/// One accepted connection, as the server's accept loop receives it.
struct Connection: Sendable {
    /// The connection wrapped for async use; `nil` when the server was full or shutting down, and
    /// the connection is being closed unanswered.
    var channel: HTTPConnectionChannel?
}

extension MetricsServer {
    /// Sets up a new connection's pipeline, on its event loop: raw bytes are marked for the read
    /// deadline, decoded with the configured head limit, pipelined one request at a time, protocol
    /// errors answered, and slow clients cut off.
    func makeConnection(_ channel: any Channel) throws -> Connection {
        let pipeline = channel.pipeline.syncOperations
        guard connections.admit(channel) else {
            logger.debug("metrics server full or shutting down; closing a new connection")
            // At once: a connection accepted as the listener closes is never registered, so it
            // would never become active to be closed later.
            channel.close(promise: nil)
            return Connection(channel: nil)
        }
        var limits = NIOHTTPDecoderLimitConfiguration()
        limits.maxHeaderListSize = configuration.maximumRequestHeadSize
        limits.maxHeaderFieldSize = configuration.maximumRequestHeadSize
        limits.maxHeaderFieldCount = 256
        try pipeline.addHandler(RequestBytesMarker())
        try pipeline.configureHTTPServerPipeline(
            withErrorHandling: false,
            withEncoderConfiguration: HTTPResponseEncoder.Configuration(),
            withDecoderLimitConfiguration: limits
        )
        try pipeline.addHandler(ProtocolErrorResponder())
        try pipeline.addHandler(
            ConnectionDeadlineHandler(
                readTimeout: configuration.readTimeout,
                idleTimeout: configuration.idleTimeout,
                writeTimeout: configuration.writeTimeout
            )
        )
        let wrapped = try HTTPConnectionChannel(wrappingChannelSynchronously: channel)
        connections.hold(wrapped)
        return Connection(channel: wrapped)
    }

    /// Answers the connection's requests in order until the client closes it, asks for it to be
    /// closed, or the server shuts down.
    func handle(_ channel: HTTPConnectionChannel) async {
        let scratch = ScrapeScratch()
        do {
            try await channel.executeThenClose { inbound, outbound in
                var request: HTTPRequestHead?
                for try await part in inbound {
                    switch part {
                    case .head(let head):
                        request = head
                    case .body:
                        continue
                    case .end:
                        guard let head = request else { continue }
                        request = nil
                        let response = responder.respond(to: head, scratch: scratch)
                        try await write(response, to: outbound)
                        if !response.keepAlive {
                            // Half-close after the response is on the wire: a full close now
                            // would drop what the socket has not taken yet.
                            try await channel.channel.close(mode: .output)
                            return
                        }
                    }
                }
            }
        } catch {
            logger.trace("metrics connection ended: \(error)")
        }
    }

    private func write(
        _ response: Response, to outbound: NIOAsyncChannelOutboundWriter<HTTPServerResponsePart>
    ) async throws {
        if let body = response.body {
            try await outbound.write(contentsOf: [.head(response.head), .body(.byteBuffer(body)), .end(nil)])
        } else {
            try await outbound.write(contentsOf: [.head(response.head), .end(nil)])
        }
    }
}

import Logging
import NIOCore
import NIOHTTP1

/// One accepted connection, wrapped for async use, and whether it fits under the connection limit.
struct Connection: Sendable {
    /// The connection's HTTP request parts in, response parts out.
    var channel: NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>
    /// `false` when the server was full or shutting down: the connection is closed unanswered.
    var admitted: Bool
}

extension MetricsServer {
    /// Sets up a new connection's pipeline, on its event loop: raw bytes are marked for the read
    /// deadline, decoded with the configured head limit, pipelined one request at a time, protocol
    /// errors answered, and slow clients cut off.
    func makeConnection(_ channel: any Channel) throws -> Connection {
        let admitted = connections.admit(channel)
        let pipeline = channel.pipeline.syncOperations
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
        let asyncChannel = try NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>(
            wrappingChannelSynchronously: channel
        )
        return Connection(channel: asyncChannel, admitted: admitted)
    }

    /// Answers the connection's requests in order until the client closes it, asks for it to be
    /// closed, or the server shuts down.
    func handle(_ connection: Connection) async {
        guard connection.admitted else {
            logger.debug("metrics server at its connection limit; closing a new connection")
            try? await connection.channel.executeThenClose { _, _ in }
            return
        }
        let scratch = ScrapeScratch()
        do {
            try await connection.channel.executeThenClose { inbound, outbound in
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
                            try await connection.channel.channel.close(mode: .output)
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

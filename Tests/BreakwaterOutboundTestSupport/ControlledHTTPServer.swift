import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// A local HTTP/1.1 server on 127.0.0.1, at a free port, whose replies a test switches: the
/// dependency the outbound integrations are tested against, over real TCP.
///
/// Every response closes its connection, so that each request opens one of its own: a client's
/// pooled connection cannot outlive ``stopListening()``.
public final class ControlledHTTPServer: Sendable {
    /// What the server does with a request.
    public enum Reply: Sendable, Hashable {
        /// Answers with `status` and the body `status <code>`, with a `Retry-After` header of
        /// `retryAfter` seconds when given.
        case status(Int, retryAfter: Int? = nil)
        /// Closes the connection without answering.
        case closeConnection
        /// Never answers; holds the connection until the client leaves.
        case hang
    }

    typealias Connection = NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>
    typealias Listener = NIOAsyncChannel<Connection, Never>

    private struct State {
        var defaultReply = Reply.status(200)
        var replies: [String: Reply] = [:]
        var receivedPaths: [String] = []
        var listener: Listener?
    }

    /// The port the server listens on, the same after ``startListening()``.
    public let port: Int
    private let state: Mutex<State>
    /// Hands each listener to the task that serves it.
    private let listeners: AsyncStream<Listener>.Continuation

    private init(port: Int, listener: Listener, listeners: AsyncStream<Listener>.Continuation) {
        self.port = port
        state = Mutex(State(listener: listener))
        self.listeners = listeners
    }

    /// `http://127.0.0.1:<port>`.
    public var baseURL: String { "http://127.0.0.1:\(port)" }

    /// Runs a server for as long as `body` runs.
    public static func withServer<T>(_ body: (ControlledHTTPServer) async throws -> T) async throws -> T {
        let listener = try await bind(port: 0)
        guard let port = listener.channel.localAddress?.port else { throw ChannelError.inappropriateOperationForState }
        let (stream, continuation) = AsyncStream.makeStream(of: Listener.self)
        let server = ControlledHTTPServer(port: port, listener: listener, listeners: continuation)
        continuation.yield(listener)
        return try await withThrowingTaskGroup { group in
            group.addTask {
                await withDiscardingTaskGroup { serving in
                    for await listener in stream {
                        serving.addTask { await server.serve(listener) }
                    }
                }
            }
            defer { group.cancelAll() }
            return try await body(server)
        }
    }

    /// Makes the server answer requests for `path` with `reply`; every path when `path` is `nil`.
    public func reply(_ reply: Reply, toPath path: String? = nil) {
        state.withLock { state in
            if let path {
                state.replies[path] = reply
            } else {
                state.defaultReply = reply
                state.replies = [:]
            }
        }
    }

    /// The paths of the requests received, oldest first.
    public var receivedPaths: [String] {
        state.withLock { $0.receivedPaths }
    }

    /// How many requests the server has received.
    public var requestCount: Int {
        state.withLock { $0.receivedPaths.count }
    }

    /// Waits until the server has received `count` requests in all.
    public func waitForRequests(_ count: Int) async throws {
        while requestCount < count {
            try await Task.sleep(for: .milliseconds(2))
        }
    }

    /// Closes the listening socket: connections are refused until ``startListening()``.
    public func stopListening() async throws {
        let listener = state.withLock { state in
            defer { state.listener = nil }
            return state.listener
        }
        try await listener?.channel.close()
    }

    /// Listens again, on the same port.
    public func startListening() async throws {
        let listener = try await Self.bind(port: port)
        state.withLock { $0.listener = listener }
        listeners.yield(listener)
    }

    private static func bind(port: Int) async throws -> Listener {
        try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .bind(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    return try Connection(wrappingChannelSynchronously: channel)
                }
            }
    }

    private func serve(_ listener: Listener) async {
        try? await withThrowingDiscardingTaskGroup { group in
            try await listener.executeThenClose { connections in
                for try await connection in connections {
                    group.addTask { await self.handle(connection) }
                }
            }
        }
    }

    private func handle(_ connection: Connection) async {
        try? await connection.executeThenClose { inbound, outbound in
            var reply = Reply.hang
            for try await part in inbound {
                switch part {
                case .head(let head):
                    reply = received(head.uri)
                case .body:
                    continue
                case .end:
                    switch reply {
                    case .status(let code, let retryAfter):
                        let body = ByteBuffer(string: "status \(code)")
                        var headers = HTTPHeaders([("Content-Length", "\(body.readableBytes)"), ("Connection", "close")])
                        if let retryAfter { headers.add(name: "Retry-After", value: "\(retryAfter)") }
                        let head = HTTPResponseHead(version: .http1_1, status: HTTPResponseStatus(statusCode: code), headers: headers)
                        try await outbound.write(.head(head))
                        try await outbound.write(.body(.byteBuffer(body)))
                        try await outbound.write(.end(nil))
                        return
                    case .closeConnection:
                        return
                    case .hang:
                        continue
                    }
                }
            }
        }
    }

    /// Counts a request for `uri` and returns the reply for its path.
    private func received(_ uri: String) -> Reply {
        let path = String(uri.prefix { $0 != "?" })
        return state.withLock { state in
            state.receivedPaths.append(path)
            return state.replies[path] ?? state.defaultReply
        }
    }
}

import Breakwater
import BreakwaterMetrics
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import ServiceLifecycle

/// An HTTP listener that serves a `MetricsCollector` to Prometheus, with a status page for people.
///
/// - `GET`/`HEAD` on the metrics path (default `/metrics`): the exposition in OpenMetrics 1.0.0
///   when the `Accept` header prefers it (Prometheus does), text format 0.0.4 otherwise; gzip when
///   `Accept-Encoding` allows it.
/// - `GET /`: an HTML table of the circuits in the registry. `GET /circuits`: the same as JSON.
///
/// Run it in a `ServiceGroup` (it is a `Service` and shuts down gracefully, finishing scrapes in
/// flight), or call ``start()`` and ``stop()``:
///
/// ```swift
/// let server = try MetricsServer(collector: collector, registry: registry)
/// let group = ServiceGroup(services: [server], gracefulShutdownSignals: [.sigterm], logger: logger)
/// try await group.run()
/// ```
///
/// Every client is held to the configured limits (see ``MetricsServerConfiguration``); a bad
/// client gets a 4xx answer or its connection closed, and the listener keeps serving.
///
/// To serve the exposition from the application's own router instead (Vapor, Hummingbird, ...),
/// use ``MetricsEndpoint``, which answers this server's metrics path too.
public final class MetricsServer: Service, Sendable {
    /// Where the server listens and the limits it enforces.
    public let configuration: MetricsServerConfiguration

    let responder: Responder
    let connections: ConnectionTable
    let logger: Logger
    /// Handlers a transport adds in front of HTTP on each accepted connection, such as TLS's.
    let transport: ConnectionTransport?
    private let eventLoopGroup: any EventLoopGroup
    /// Where bodies are rendered and compressed: threads of the server's own, so that a large
    /// exposition never holds up the application's async work.
    private let renderingThreads: NIOThreadPool
    private let lifecycle = Guarded(Lifecycle.idle)

    private enum Lifecycle {
        case idle
        case binding
        case running(serverChannel: any Channel, serving: Task<Void, Never>?)
        case stopped
    }

    /// A server for `collector`, listing the circuits of `registry` on its status page.
    ///
    /// The server registers its own metrics in `collector` (`breakwater_scrape_*`).
    /// - Throws: ``MetricsServerError`` when a configuration field is out of range or the
    ///   collector holds a conflicting family under one of those names.
    public convenience init(
        collector: MetricsCollector,
        registry: CircuitBreakerRegistry? = nil,
        configuration: MetricsServerConfiguration = MetricsServerConfiguration(),
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger = Logger(label: "breakwater.http")
    ) throws(MetricsServerError) {
        try self.init(
            collector: collector, registry: registry, configuration: configuration, transport: nil,
            eventLoopGroup: eventLoopGroup, logger: logger)
    }

    /// A server whose connections pass through `transport` before HTTP; for the products that
    /// add one (TLS).
    package init(
        collector: MetricsCollector,
        registry: CircuitBreakerRegistry?,
        configuration: MetricsServerConfiguration,
        transport: ConnectionTransport?,
        eventLoopGroup: any EventLoopGroup,
        logger: Logger
    ) throws(MetricsServerError) {
        self.transport = transport
        self.configuration = configuration
        renderingThreads = NIOThreadPool(numberOfThreads: Self.renderingThreadCount)
        let endpoint = try MetricsEndpoint(
            collector: collector,
            registry: registry,
            configuration: configuration,
            threadPool: renderingThreads,
            eventLoop: eventLoopGroup.any()
        )
        self.responder = Responder(configuration: configuration, registry: registry, endpoint: endpoint, logger: logger)
        self.connections = ConnectionTable(maximum: configuration.maximumConnections)
        self.eventLoopGroup = eventLoopGroup
        self.logger = logger
    }

    /// The address the server is bound to while it runs, with the port picked when the
    /// configuration asked for port 0; `nil` before it starts and after it stops.
    public var localAddress: SocketAddress? {
        lifecycle.withLock { lifecycle in
            if case .running(let channel, _) = lifecycle { channel.localAddress } else { nil }
        }
    }

    /// Serves until the task is cancelled or a graceful shutdown is triggered; on graceful
    /// shutdown it stops accepting, answers the requests in flight, closes idle connections and
    /// returns once every connection is closed.
    public func run() async throws {
        let serverChannel = try await bind(serving: nil)
        await withTaskCancellationHandler {
            await withGracefulShutdownHandler {
                await serve(serverChannel)
            } onGracefulShutdown: {
                self.shutDownGracefully()
            }
        } onCancel: {
            self.closeEverything()
        }
        await finish()
    }

    /// Binds and starts serving in the background, for applications without a `ServiceGroup`.
    /// - Returns: The bound address.
    @discardableResult
    public func start() async throws -> SocketAddress {
        let serverChannel = try await bind { serverChannel in
            Task { await self.serve(serverChannel) }
        }
        guard let address = serverChannel.channel.localAddress else {
            throw ChannelError.ioOnClosedChannel
        }
        return address
    }

    /// Stops a server started with ``start()`` gracefully: no new connections, the requests in
    /// flight are answered, and it returns once every connection is closed.
    ///
    /// Stopping a server that is not running does nothing; a server run by ``run()`` returns from
    /// it.
    public func stop() async {
        let running = lifecycle.withLock { lifecycle -> (Bool, Task<Void, Never>?) in
            if case .running(_, let serving) = lifecycle { (true, serving) } else { (false, nil) }
        }
        guard running.0 else { return }
        shutDownGracefully()
        if let serving = running.1 {
            await serving.value
            await finish()
        }
    }

    /// Renders run one at a time per kind of body, so a few threads serve any number of scrapes;
    /// fewer than the cores leave the application room.
    static let renderingThreadCount = max(1, min(2, System.coreCount))

    // MARK: Serving

    private typealias ServerChannel = NIOAsyncChannel<Connection, Never>

    private func bind(
        serving: ((ServerChannel) -> Task<Void, Never>)?
    ) async throws -> ServerChannel {
        try lifecycle.withLock { lifecycle throws(MetricsServerError) in
            guard case .idle = lifecycle else { throw .alreadyStarted }
            lifecycle = .binding
        }
        renderingThreads.start()
        let serverChannel: ServerChannel
        do {
            serverChannel = try await ServerBootstrap(group: eventLoopGroup)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .serverChannelOption(.backlog, value: 1_024)
                .childChannelOption(.tcpOption(.tcp_nodelay), value: 1)
                // A client's FIN ends its requests, not the connection: it is still answered.
                .childChannelOption(.allowRemoteHalfClosure, value: true)
                .bind(host: configuration.host, port: configuration.port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try self.makeConnection(channel)
                    }
                }
        } catch {
            lifecycle.withLock { $0 = .stopped }
            try? await renderingThreads.shutdownGracefully()
            logger.error("metrics server cannot bind \(configuration.host):\(configuration.port): \(error)")
            throw error
        }
        let task = serving?(serverChannel)
        lifecycle.withLock { $0 = .running(serverChannel: serverChannel.channel, serving: task) }
        logger.info(
            "serving metrics",
            metadata: [
                "address": "\(serverChannel.channel.localAddress.map(String.init(describing:)) ?? "?")",
                "path": "\(configuration.metricsPath)",
            ]
        )
        return serverChannel
    }

    /// Accepts connections until the server channel closes, then waits for every connection.
    private func serve(_ serverChannel: ServerChannel) async {
        await withDiscardingTaskGroup { group in
            do {
                try await serverChannel.executeThenClose { accepted in
                    for try await connection in accepted {
                        guard let channel = connection.channel, connections.claim(channel) else { continue }
                        group.addTask {
                            await self.handle(channel, pending: connection.pending)
                        }
                    }
                }
            } catch {
                logger.error("metrics server stopped accepting connections: \(error)")
            }
            // Connections accepted while the listener closed never reach the loop above.
            for orphan in connections.drainUnclaimed() {
                group.addTask {
                    try? await orphan.executeThenClose { _, _ in }
                }
            }
        }
    }

    private func shutDownGracefully() {
        let channel = lifecycle.withLock { lifecycle -> (any Channel)? in
            if case .running(let channel, _) = lifecycle { channel } else { nil }
        }
        // Refuse connections first, so none set up while the listener closes is admitted.
        connections.quiesce()
        channel?.close(promise: nil)
    }

    private func closeEverything() {
        shutDownGracefully()
        connections.closeAll()
    }

    private func finish() async {
        lifecycle.withLock { $0 = .stopped }
        // Every connection is closed: no render is waited for any more.
        try? await renderingThreads.shutdownGracefully()
        logger.info("metrics server stopped")
    }
}

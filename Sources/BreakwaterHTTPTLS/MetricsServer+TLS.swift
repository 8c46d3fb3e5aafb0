import Breakwater
import BreakwaterHTTP
import BreakwaterMetrics
import Logging
import NIOCore
import NIOPosix
import NIOSSL

extension MetricsServer {
    /// A server like `MetricsServer(collector:registry:configuration:eventLoopGroup:logger:)` that
    /// speaks HTTPS only, with `tls`.
    ///
    /// Every limit of the configuration holds for TLS connections too: a client that connects and
    /// never completes its handshake is cut off after the read timeout, and counts as idle when
    /// the connection limit needs its place.
    /// - Throws: ``MetricsServerTLSError`` when a TLS file does not load;
    ///   `MetricsServerError` as the server without TLS does.
    public convenience init(
        collector: MetricsCollector,
        registry: CircuitBreakerRegistry? = nil,
        configuration: MetricsServerConfiguration = MetricsServerConfiguration(),
        tls: MetricsServerTLS,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger = Logger(label: "breakwater.http")
    ) throws {
        try self.init(
            collector: collector, registry: registry, configuration: configuration,
            transport: TLSTransport(
                contexts: try TLSContextSource(tls, logger: logger),
                verifiesClients: tls.clientAuthentication.verifiesCertificates),
            eventLoopGroup: eventLoopGroup, logger: logger)
    }
}

/// TLS in front of HTTP, with the context current when each connection is accepted.
struct TLSTransport: ConnectionTransport {
    let contexts: TLSContextSource
    /// Whether client certificates are checked against the authority; when not, any
    /// certificate a client presents is taken as it is.
    let verifiesClients: Bool

    func addHandlers(to channel: any Channel) throws {
        let tls = verifiesClients
            ? NIOSSLServerHandler(context: contexts.context())
            : NIOSSLServerHandler(context: contexts.context()) { _, verified in verified.succeed(.certificateVerified) }
        try channel.pipeline.syncOperations.addHandlers(PlainHTTPRefusal(), tls)
    }
}

extension MetricsServerTLS.ClientAuthentication {
    /// Whether a handshake without a client certificate fails.
    var requiresCertificate: Bool {
        switch self {
        case .required, .requiredUnverified: true
        case .none, .verifyIfGiven, .requestedUnverified: false
        }
    }

    /// Whether the certificates clients present are checked (none are asked for with ``none``).
    var verifiesCertificates: Bool {
        switch self {
        case .none, .verifyIfGiven, .required: true
        case .requestedUnverified, .requiredUnverified: false
        }
    }
}

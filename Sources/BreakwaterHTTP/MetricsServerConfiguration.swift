/// Where a ``MetricsServer`` listens, what it serves, and the limits it holds every client to.
///
/// The defaults suit a service scraped by Prometheus from another host:
/// - `host` `0.0.0.0` (every IPv4 interface), because Prometheus scrapes from outside the process's
///   machine or pod; use `127.0.0.1` to keep the listener local, or `::` for IPv6.
/// - `port` 9465: Prometheus's exporter port range is fully allocated, and 9464 is taken by
///   OpenTelemetry's in-process Prometheus exporter, the same role as this listener; 9465 sits
///   beside it so a service can run both. Port 0 picks a free port (read it back from
///   ``MetricsServer/localAddress``).
public struct MetricsServerConfiguration: Sendable {
    /// The address to bind: an IPv4 or IPv6 literal or a host name. Default `0.0.0.0`.
    public var host: String
    /// The TCP port to bind, 0...65535; 0 picks a free port. Default 9465.
    public var port: Int
    /// The path that serves the exposition. Default `/metrics`.
    public var metricsPath: String
    /// How many response bodies of the largest size served may be held in memory at once, counted
    /// in bytes: the exposition, the status page and `/circuits`, rendering or waiting to be
    /// written. A body is shared by the responses that send it and counts until its last byte is
    /// written to the last of them. A request that needs a new render when the memory is spoken
    /// for gets `503 Service Unavailable`. Default 16.
    public var maximumConcurrentScrapes: Int
    /// Open connections at once. A connection beyond it takes the place of one that holds no
    /// work (closing, idle, or still receiving its request, oldest first); when every connection
    /// is owed or being sent a response, it is closed as soon as it is accepted. Default 512.
    public var maximumConnections: Int
    /// Requests one connection may have waiting for their answers. A client that pipelines more
    /// is answered up to this many, then its connection closes; it retries the rest on a new
    /// one. 1...1,024; default 16.
    public var maximumPipelinedRequests: Int
    /// The largest request line plus header fields, in bytes; a larger head gets
    /// `431 Request Header Fields Too Large`. 1,024...81,920; default 16,384.
    public var maximumRequestHeadSize: Int
    /// How long a client may take to send a whole request once its first byte arrived, and a new
    /// connection to send its first request; a client that trickles bytes or never sends any is
    /// disconnected. Default 10 seconds.
    public var readTimeout: Duration
    /// How long a connection may wait for its next request. Default 60 seconds, longer than
    /// Prometheus's default scrape interval so a scraper can keep its connection.
    public var idleTimeout: Duration
    /// How long a client may take to read a response. Default 30 seconds.
    public var writeTimeout: Duration
    /// The zlib level for gzip responses, 1 (fastest) to 9 (smallest). Default 1: metrics text is
    /// so repetitive that level 1 already shrinks it about 18 times, at a fraction of the cost.
    public var compressionLevel: Int
    /// Credentials every request must carry, or `nil` (the default) for none.
    public var basicAuthentication: BasicAuthentication?
    /// Whether `POST /circuits/{name}` may change a circuit's state (`reset`, `force-open`,
    /// `disable`, `metrics-only`), and the status page offers those controls. Default `false`:
    /// a request to change a circuit gets `405 Method Not Allowed`.
    ///
    /// It requires ``basicAuthentication``: every change is made in the name of the user who
    /// sent it, recorded as the manual transition's reason and logged. Requests from other sites
    /// are refused (see the README's "Manual control").
    public var manualControl: Bool
    /// The people who may change circuits with ``manualControl``, each with a password of their
    /// own; they may read everything too. Empty (the default): the ``basicAuthentication`` user
    /// may change circuits. Otherwise that user may only read, so that Prometheus's credentials
    /// cannot change a circuit, and each change names the operator who made it. Usernames must
    /// differ from each other and from the ``basicAuthentication`` user's.
    public var operators: [BasicAuthentication]
    /// How long a closing connection reads and drops what its client still sends, so that the
    /// client reads its last response rather than a reset. 2 seconds; the tests lengthen it.
    package var lingerTimeout: Duration = .seconds(2)

    /// A configuration; every parameter has the default described on its property.
    public init(
        host: String = "0.0.0.0",
        port: Int = 9465,
        metricsPath: String = "/metrics",
        maximumConcurrentScrapes: Int = 16,
        maximumConnections: Int = 512,
        maximumPipelinedRequests: Int = 16,
        maximumRequestHeadSize: Int = 16_384,
        readTimeout: Duration = .seconds(10),
        idleTimeout: Duration = .seconds(60),
        writeTimeout: Duration = .seconds(30),
        compressionLevel: Int = 1,
        basicAuthentication: BasicAuthentication? = nil,
        manualControl: Bool = false,
        operators: [BasicAuthentication] = []
    ) {
        self.host = host
        self.port = port
        self.metricsPath = metricsPath
        self.maximumConcurrentScrapes = maximumConcurrentScrapes
        self.maximumConnections = maximumConnections
        self.maximumPipelinedRequests = maximumPipelinedRequests
        self.maximumRequestHeadSize = maximumRequestHeadSize
        self.readTimeout = readTimeout
        self.idleTimeout = idleTimeout
        self.writeTimeout = writeTimeout
        self.compressionLevel = compressionLevel
        self.basicAuthentication = basicAuthentication
        self.manualControl = manualControl
        self.operators = operators
    }
}

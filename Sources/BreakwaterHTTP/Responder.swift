import Breakwater
import BreakwaterMetrics
import NIOCore
import NIOHTTP1
import Synchronization

/// Decides the answer to each request: authentication, routing, method, then the metrics, the
/// status page or the circuits document. Shared by every connection of a server; it touches no
/// socket, so tests can drive it with request heads alone.
final class Responder: Sendable {
    private let configuration: MetricsServerConfiguration
    private let collector: MetricsCollector
    private let registry: CircuitBreakerRegistry?
    private let metrics: ScrapeMetrics
    private let scrapesInFlight = Atomic<Int>(0)
    private let allocator = ByteBufferAllocator()

    init(
        configuration: MetricsServerConfiguration,
        collector: MetricsCollector,
        registry: CircuitBreakerRegistry?
    ) throws(MetricsRegistrationError) {
        self.configuration = configuration
        self.collector = collector
        self.registry = registry
        self.metrics = try ScrapeMetrics(collector: collector)
    }

    /// The response to `request`, whose body (if any) has been read and discarded. `scratch`
    /// holds the connection's reusable render buffer and compressor.
    func respond(to request: HTTPRequestHead, scratch: ScrapeScratch) -> Response {
        let path = request.uri.prefix { $0 != "?" }
        let isMetricsPath = path == configuration.metricsPath
        let response = route(request, path: path, isMetricsPath: isMetricsPath, scratch: scratch)
        if isMetricsPath {
            metrics.countRequest(status: Int(response.head.status.code))
        }
        return response
    }

    private func route(_ request: HTTPRequestHead, path: Substring, isMetricsPath: Bool, scratch: ScrapeScratch) -> Response {
        if let credentials = configuration.basicAuthentication,
            !credentials.authorizes(request.headers.first(name: "authorization"))
        {
            return .plain(.unauthorized, for: request, extraHeaders: [("WWW-Authenticate", credentials.challenge)])
        }
        let known = isMetricsPath || path == "/" || path == "/circuits"
        guard known else {
            return .plain(.notFound, for: request)
        }
        guard request.method == .GET || request.method == .HEAD else {
            return .plain(.methodNotAllowed, for: request, extraHeaders: [("Allow", "GET, HEAD")])
        }
        if isMetricsPath {
            return scrape(request, scratch: scratch)
        }
        let circuits = CircuitStatus.all(in: registry, now: SystemClock().unixTime)
        if path == "/" {
            let page = StatusPage.html(circuits, metricsPath: configuration.metricsPath)
            return .text(page, contentType: "text/html; charset=utf-8", for: request)
        }
        return .text(CircuitsDocument.json(circuits), contentType: "application/json", for: request)
    }

    private func scrape(_ request: HTTPRequestHead, scratch: ScrapeScratch) -> Response {
        guard acquireScrapeSlot() else {
            return .plain(.serviceUnavailable, for: request, extraHeaders: [("Retry-After", "1")])
        }
        defer { scrapesInFlight.subtract(1, ordering: .relaxed) }
        metrics.inFlight.increment()
        defer { metrics.inFlight.decrement() }
        let started = ContinuousClock.now

        let format = ContentNegotiation.expositionFormat(accept: request.headers[canonicalForm: "accept"].map(String.init))
        let gzip = ContentNegotiation.acceptsGzip(
            acceptEncoding: request.headers[canonicalForm: "accept-encoding"].map(String.init)
        )
        scratch.exposition.removeAll(keepingCapacity: true)
        collector.render(format, into: &scratch.exposition)
        let (body, compressed) = encode(scratch.exposition, gzip: gzip, scratch: scratch)
        metrics.duration.observe(ContinuousClock.now - started)

        var headers: [(String, String)] = [
            ("Content-Type", format.contentType),
            ("Vary", "Accept-Encoding, Accept"),
            ("Cache-Control", "no-store"),
        ]
        if compressed {
            headers.append(("Content-Encoding", "gzip"))
        }
        let response = Response(status: .ok, headers: headers, body: body, for: request)
        metrics.countResponseBytes(response.sendsBody ? body.readableBytes : 0, gzip: compressed)
        return response
    }

    /// The body as sent: gzip when the client takes it and zlib succeeds, the text itself otherwise.
    private func encode(_ exposition: [UInt8], gzip: Bool, scratch: ScrapeScratch) -> (ByteBuffer, compressed: Bool) {
        if gzip, let compressor = try? scratch.compressor(level: configuration.compressionLevel) {
            var buffer = allocator.buffer(capacity: 0)
            if (try? compressor.compress(exposition, into: &buffer)) != nil {
                return (buffer, true)
            }
        }
        return (allocator.buffer(bytes: exposition), false)
    }

    private func acquireScrapeSlot() -> Bool {
        var current = scrapesInFlight.load(ordering: .relaxed)
        while current < configuration.maximumConcurrentScrapes {
            let (exchanged, original) = scrapesInFlight.compareExchange(
                expected: current, desired: current + 1, ordering: .relaxed
            )
            if exchanged { return true }
            current = original
        }
        return false
    }
}

/// What one connection keeps from scrape to scrape so that rendering and compressing allocate
/// nothing once warm.
final class ScrapeScratch {
    /// The rendered exposition, emptied and refilled by each scrape.
    var exposition: [UInt8] = []
    private var gzip: GzipCompressor?

    /// The connection's compressor, created on its first gzip scrape.
    func compressor(level: Int) throws(GzipError) -> GzipCompressor {
        if let gzip { return gzip }
        let created = try GzipCompressor(level: level)
        gzip = created
        return created
    }
}

import Breakwater
import BreakwaterMetrics
import NIOCore
import NIOHTTP1

/// Decides the answer to each request: refusal, authentication, routing, method, then the metrics,
/// the status page or the circuits document. Shared by every connection of a server; it touches no
/// socket, and renders nothing itself: bodies come from the ``SharedRenderer``.
final class Responder: Sendable {
    private let configuration: MetricsServerConfiguration
    let metrics: ScrapeMetrics
    private let renderer: SharedRenderer

    init(configuration: MetricsServerConfiguration, metrics: ScrapeMetrics, renderer: SharedRenderer) {
        self.configuration = configuration
        self.metrics = metrics
        self.renderer = renderer
    }

    /// The response to `request`, whose body (if any) has been read and discarded, and the body
    /// it sends if it was rendered.
    ///
    /// A request pipelined behind another may be answered with the body rendered for that one,
    /// `previous`, when the render began after the request arrived.
    func respond(to request: Request, reusing previous: RenderedBody?) async -> (Response, RenderedBody?) {
        let head = request.head
        if let refusal = request.refusal {
            return (.refusing(head, because: refusal), nil)
        }
        let path = RequestTarget.path(of: head.uri) ?? ""
        let isMetricsPath = path == configuration.metricsPath
        let (response, body) = await route(request, path: path, isMetricsPath: isMetricsPath, reusing: previous)
        if isMetricsPath {
            metrics.countRequest(status: Int(response.head.status.code))
        }
        return (response, body)
    }

    private func route(
        _ request: Request, path: Substring, isMetricsPath: Bool, reusing previous: RenderedBody?
    ) async -> (Response, RenderedBody?) {
        let head = request.head
        if let credentials = configuration.basicAuthentication,
            !credentials.authorizes(head.headers.first(name: "authorization"))
        {
            return (.plain(.unauthorized, for: head, extraHeaders: [("WWW-Authenticate", credentials.challenge)]), nil)
        }
        let content: BodyKey.Content
        switch path {
        case _ where isMetricsPath:
            content = .exposition(ContentNegotiation.expositionFormat(accept: head.headers["accept"]))
        case "/": content = .statusPage
        case "/circuits": content = .circuitsDocument
        default: return (.plain(.notFound, for: head), nil)
        }
        guard head.method == .GET || head.method == .HEAD else {
            return (.plain(.methodNotAllowed, for: head, extraHeaders: [("Allow", "GET, HEAD")]), nil)
        }
        let gzip = ContentNegotiation.acceptsGzip(acceptEncoding: head.headers["accept-encoding"])
        return await respond(to: request, with: BodyKey(content: content, gzip: gzip), reusing: previous)
    }

    /// A `200` with the body for `key`, which holds its memory until it is written; `503` when a
    /// render must begin and the memory for bodies is spoken for.
    private func respond(to request: Request, with key: BodyKey, reusing previous: RenderedBody?) async -> (Response, RenderedBody?) {
        let head = request.head
        let ticket = InFlightTicket(metrics.inFlight)
        let started = ContinuousClock.now
        let body: RenderedBody
        if let previous, previous.answers(key, arrivedAt: request.arrival) {
            body = previous
        } else {
            do {
                body = try await renderer.body(for: key, arrivedAt: request.arrival)
            } catch is BodyBudgetExhaustedError {
                return (.plain(.serviceUnavailable, for: head, extraHeaders: [("Retry-After", "1")]), nil)
            } catch {
                return (.plain(.internalServerError, for: head), nil)
            }
        }
        var headers: [(String, String)] = [
            ("Content-Type", contentType(of: key.content)),
            ("Vary", "Accept-Encoding, Accept"),
            ("Cache-Control", "no-store"),
        ]
        if key.gzip {
            headers.append(("Content-Encoding", "gzip"))
        }
        var response = Response(status: .ok, headers: headers, body: body.bytes, for: head)
        response.holds = (body.reservation, ticket)
        if case .exposition = key.content {
            metrics.duration.observe(ContinuousClock.now - started)
            metrics.countResponseBytes(response.sendsBody ? body.bytes.readableBytes : 0, gzip: key.gzip)
        }
        return (response, body)
    }

    private func contentType(of content: BodyKey.Content) -> String {
        switch content {
        case .exposition(let format): format.contentType
        case .statusPage: "text/html; charset=utf-8"
        case .circuitsDocument: "application/json"
        }
    }
}

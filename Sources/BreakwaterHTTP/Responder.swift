import Breakwater
import BreakwaterMetrics
import NIOCore
import NIOHTTP1

/// Decides the answer to each request: refusal, authentication, routing, method, then the metrics,
/// the status page or the circuits document. Shared by every connection of a server; it touches no
/// socket, and renders nothing itself: bodies come from the ``MetricsEndpoint``, the same one an
/// application serves from its own router.
final class Responder: Sendable {
    private let configuration: MetricsServerConfiguration
    let endpoint: MetricsEndpoint

    init(configuration: MetricsServerConfiguration, endpoint: MetricsEndpoint) {
        self.configuration = configuration
        self.endpoint = endpoint
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
            endpoint.metrics.countRequest(status: Int(response.head.status.code))
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
        // nil for the exposition, whose format the endpoint negotiates.
        let document: BodyKey.Content?
        switch path {
        case _ where isMetricsPath: document = nil
        case "/": document = .statusPage
        case "/circuits": document = .circuitsDocument
        default: return (.plain(.notFound, for: head), nil)
        }
        guard head.method == .GET || head.method == .HEAD else {
            return (.plain(.methodNotAllowed, for: head, extraHeaders: [("Allow", "GET, HEAD")]), nil)
        }
        let acceptEncoding = head.headers["accept-encoding"]
        let isHead = head.method == .HEAD
        let (answer, body) = if let document {
            await endpoint.response(
                document, acceptEncoding: acceptEncoding, isHead: isHead, arrivedAt: request.arrival, reusing: previous
            )
        } else {
            await endpoint.exposition(
                accept: head.headers["accept"], acceptEncoding: acceptEncoding, isHead: isHead,
                arrivedAt: request.arrival, reusing: previous
            )
        }
        return (Response(answer, for: head), body)
    }
}

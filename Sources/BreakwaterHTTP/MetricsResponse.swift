import NIOCore
import NIOHTTP1

/// A ``MetricsEndpoint``'s complete answer to a request for the exposition, for any HTTP
/// framework to send: copy ``status``, ``headers`` and ``body`` into the framework's response,
/// with ``contentLength`` as its `Content-Length`.
///
/// The response holds its body's place in the endpoint's budget (and its count in
/// `breakwater_scrape_requests_in_flight`) for as long as it lives; the body is shared, not
/// copied, by every response rendered from it.
public struct MetricsResponse: Sendable {
    /// The status code: `200`; `503` when the body budget is spent (with `Retry-After: 1`);
    /// `500` when rendering failed.
    public var status: Int
    /// The header fields, in order. A `200` carries `Content-Type` (exactly as
    /// ``MetricsServer`` sends it, such as `application/openmetrics-text; version=1.0.0;
    /// charset=utf-8`), `Vary: Accept-Encoding, Accept`, `Cache-Control: no-store`, and
    /// `Content-Encoding: gzip` when the body is compressed. `Content-Length` is left to the
    /// framework: see ``contentLength``.
    public var headers: [(name: String, value: String)]
    /// The body, compressed when `Content-Encoding` says so; empty for a `HEAD` request.
    public var body: ByteBuffer
    /// The length of the body a `GET` gets, for `Content-Length`: ``body``'s length, except
    /// for a `HEAD` request, whose body is empty.
    public var contentLength: Int
    /// What the response keeps alive until it is released: its body's reservation in the
    /// budget, and its count in the in-flight gauge.
    var holds: (reservation: BodyReservation?, ticket: InFlightTicket?) = (nil, nil)

    /// A response with `status`, `headers` and `body`, whose body is dropped when the request
    /// is a `HEAD`.
    init(status: Int, headers: [(name: String, value: String)], body: ByteBuffer, isHead: Bool) {
        self.status = status
        self.headers = headers
        self.body = isHead ? ByteBuffer() : body
        contentLength = body.readableBytes
    }

    /// A short plain-text response naming the status, for errors.
    static func plain(status: Int, isHead: Bool, extraHeaders: [(name: String, value: String)] = []) -> MetricsResponse {
        let phrase = HTTPResponseStatus(statusCode: status).reasonPhrase
        return text("\(status) \(phrase)\n", status: status, isHead: isHead, extraHeaders: extraHeaders)
    }

    /// A response with `status` carrying `text`, as plain text.
    static func text(
        _ text: String, status: Int, isHead: Bool, extraHeaders: [(name: String, value: String)] = []
    ) -> MetricsResponse {
        MetricsResponse(
            status: status,
            headers: [("Content-Type", "text/plain; charset=utf-8"), ("Cache-Control", "no-store")] + extraHeaders,
            body: ByteBuffer(string: text),
            isHead: isHead
        )
    }
}

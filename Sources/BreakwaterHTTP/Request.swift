import NIOCore
import NIOHTTP1

/// A complete request as a connection hands it to the ``Responder``: the head, the start of a
/// `POST`'s body (other bodies are read and dropped), and when it arrived.
struct Request: Sendable {
    /// The request line and header fields.
    var head: HTTPRequestHead
    /// When the read that completed the head reached the server. A response may send a body that
    /// began rendering at or after this instant, never one that began before.
    var arrival: NIODeadline
    /// Set when the connection refuses the request on the protocol's grounds (a parse error, a
    /// protocol switch, a missing `Host`): it is answered with this, in its turn, and the
    /// connection closes.
    var refusal: Refusal?
    /// The first ``CircuitAction/maximumBodySize`` bytes of a `POST`'s body; `nil` for other
    /// methods.
    var body: ByteBuffer?
    /// Whether a `POST`'s body was longer than what ``body`` keeps.
    var bodyTooLarge = false
    /// The client's address, for the log of what it changed.
    var client: SocketAddress?
}

/// Why a connection refuses a request before any routing or authentication: the status and what
/// the response says.
struct Refusal: Error, Sendable, Hashable {
    /// The status of the response.
    var status: HTTPResponseStatus
    /// A sentence for the body, after the status line's text.
    var reason: String
    /// Header fields the status calls for, such as `Allow` with `405`.
    var extraHeaders: [String: String] = [:]
}

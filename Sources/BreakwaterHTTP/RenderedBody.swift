import BreakwaterMetrics
import NIOCore

/// What a response body holds and how it is encoded: the key under which renders are shared.
struct BodyKey: Hashable, Sendable {
    /// The document in the body.
    enum Content: Hashable, Sendable {
        /// The metrics, in a text format.
        case exposition(ExpositionFormat)
        /// The HTML status page.
        case statusPage
        /// The circuits as JSON.
        case circuitsDocument
    }

    var content: Content
    /// Whether the body is gzip-compressed.
    var gzip: Bool
}

extension BodyKey.Content {
    /// The `Content-Type` of a response carrying this document.
    var contentType: String {
        switch self {
        case .exposition(let format): format.contentType
        case .statusPage: "text/html; charset=utf-8"
        case .circuitsDocument: "application/json"
        }
    }
}

/// A response body, rendered once and shared by every response that sends it: `ByteBuffer` shares
/// its storage, so a hundred scrapes of one render hold one copy.
struct RenderedBody: Sendable {
    var key: BodyKey
    var bytes: ByteBuffer
    /// When the render began; a request that arrived later cannot be answered with it.
    var startedAt: NIODeadline
    /// The memory the body holds in the shared budget, until nothing refers to it any more.
    var reservation: BodyReservation

    /// Whether this body may answer a request for `key` that arrived at `arrival`.
    func answers(_ key: BodyKey, arrivedAt arrival: NIODeadline) -> Bool {
        self.key == key && startedAt >= arrival
    }
}

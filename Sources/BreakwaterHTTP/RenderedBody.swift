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

    /// Header fields that keep a browser from running or framing anything the page does not
    /// ship: the page loads nothing from elsewhere, talks only to this server, and cannot be put
    /// in another site's frame (where its controls could be clicked by deceit).
    var securityHeaders: [(name: String, value: String)] {
        switch self {
        case .exposition:
            []
        case .circuitsDocument:
            [("X-Content-Type-Options", "nosniff")]
        case .statusPage:
            [
                ("X-Content-Type-Options", "nosniff"),
                ("Content-Security-Policy", Self.statusPagePolicy),
                ("X-Frame-Options", "DENY"),
                ("Referrer-Policy", "no-referrer"),
            ]
        }
    }

    /// The status page's content security policy: its own style and script, identified by their
    /// SHA-256 hashes so that nothing else inline could run even if escaping ever slipped,
    /// requests to this server only, no frames, forms or plug-ins.
    static let statusPagePolicy = "default-src 'none'; script-src '\(StatusPage.scriptHash)'; "
        + "style-src '\(StatusPage.styleHash)'; connect-src 'self'; img-src data:; base-uri 'none'; "
        + "form-action 'none'; frame-ancestors 'none'"
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

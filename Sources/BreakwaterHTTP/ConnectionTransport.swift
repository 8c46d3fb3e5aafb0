import NIOCore

/// What a transport puts in front of HTTP on every connection the listener accepts: TLS, for one.
/// The handlers it adds see the raw bytes first and hand decoded bytes on.
package protocol ConnectionTransport: Sendable {
    /// Adds the transport's handlers to a new connection's pipeline, on its event loop, before
    /// any of the listener's own; throwing closes the connection unanswered.
    func addHandlers(to channel: any Channel) throws
}

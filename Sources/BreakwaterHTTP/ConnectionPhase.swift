/// What a connection is doing, as far as making room for a new one is concerned; ordered from the
/// first to give way to the last.
enum ConnectionPhase: Sendable, Comparable {
    /// Answered, half-closed, and draining what the client still sends: the first to go.
    case closing
    /// No request in progress: new and silent, or between keep-alive requests.
    case idle
    /// Part of a request has arrived, not all of it: a slow or trickling client.
    case receiving
    /// The server owes or is writing a response: never evicted.
    case busy

    /// Whether a connection in this phase may be closed to make room for a new one.
    var isEvictable: Bool { self != .busy }
}

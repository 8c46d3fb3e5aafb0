import Synchronization

/// How many requests a connection has handed to its async side that the responder has not taken
/// yet: requests pipelined behind the one being answered.
final class PendingRequests: Sendable {
    private let count = Atomic(0)

    /// One more request is on its way to the responder.
    func add() {
        count.add(1, ordering: .relaxed)
    }

    /// The responder took a request.
    func take() {
        count.subtract(1, ordering: .relaxed)
    }

    /// Whether requests are waiting behind the one being answered.
    var isEmpty: Bool {
        count.load(ordering: .relaxed) <= 0
    }
}

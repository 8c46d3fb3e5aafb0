import Breakwater
import Synchronization

/// The memory every rendered body shares: the exposition, the status page and the circuits
/// document, rendering or waiting to be written.
///
/// A render reserves the size its key's last body had before it begins, and its body keeps the
/// reservation, settled to its real size, until no response holds it any more: until its last
/// byte is written to every client it answers. Reservations never take more than `maximumBodies`
/// times the largest body served (at least ``minimumBodySize``), except that one body may always
/// render when none is held. So however many connections ask, and however slowly they read, the
/// bodies in memory stay within that bound; a render that would exceed it is refused.
final class BodyBudget: Sendable {
    /// The size counted for a body of a kind not rendered before, and the least body size the
    /// budget is made of.
    static let minimumBodySize = 65_536

    private struct State {
        var bytesHeld = 0
        var largestBody = BodyBudget.minimumBodySize
    }

    /// How many bodies of the largest size the budget holds.
    let maximumBodies: Int
    private let state = Guarded(State())

    /// A budget of `maximumBodies` bodies of the largest size served.
    init(maximumBodies: Int) {
        self.maximumBodies = maximumBodies
    }

    /// Reserves `bytes` (at least ``minimumBodySize``) for a body about to render, or `nil` when
    /// the budget cannot take them.
    func reserve(_ bytes: Int) -> BodyReservation? {
        let bytes = max(bytes, Self.minimumBodySize)
        let granted = state.withLock { state in
            let capacity = maximumBodies.multipliedReportingOverflow(by: state.largestBody)
            guard state.bytesHeld == 0 || (!capacity.overflow && state.bytesHeld + bytes <= capacity.partialValue) else {
                return false
            }
            state.bytesHeld += bytes
            return true
        }
        return granted ? BodyReservation(bytes, of: self) : nil
    }

    fileprivate func settle(from reserved: Int, to actual: Int) {
        state.withLock { state in
            state.bytesHeld += actual - reserved
            state.largestBody = max(state.largestBody, actual)
        }
    }

    fileprivate func release(_ bytes: Int) {
        state.withLock { $0.bytesHeld -= bytes }
    }
}

/// The bytes one body holds in a ``BodyBudget``, kept by the body and by every response that
/// sends it; given back when the last of them lets go.
final class BodyReservation: Sendable {
    private let budget: BodyBudget
    private let bytes: Atomic<Int>

    fileprivate init(_ bytes: Int, of budget: BodyBudget) {
        self.budget = budget
        self.bytes = Atomic(bytes)
    }

    /// Replaces the estimate with the size of the body as rendered.
    func settle(to actual: Int) {
        let reserved = bytes.exchange(actual, ordering: .relaxed)
        budget.settle(from: reserved, to: actual)
    }

    deinit {
        budget.release(bytes.load(ordering: .relaxed))
    }
}

/// A render had to begin and the memory for bodies was spoken for.
struct BodyBudgetExhaustedError: Error, CustomStringConvertible {
    var description: String { "the memory for response bodies is spoken for" }
}

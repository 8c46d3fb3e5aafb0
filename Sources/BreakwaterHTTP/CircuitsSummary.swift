import Breakwater

/// How many circuits are in each state: the status page's first line and the document's
/// `summary`.
struct CircuitsSummary: Hashable, Sendable {
    /// Circuits by state; a state no circuit is in is absent.
    private var counts: [CircuitState: Int] = [:]
    /// Every circuit.
    private(set) var total = 0

    init(_ circuits: [CircuitStatus]) {
        for circuit in circuits {
            counts[circuit.state, default: 0] += 1
        }
        total = circuits.count
    }

    /// The circuits in `state`.
    subscript(_ state: CircuitState) -> Int {
        counts[state, default: 0]
    }
}

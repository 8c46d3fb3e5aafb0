/// The state of a circuit.
///
/// A breaker moves between ``closed``, ``open`` and ``halfOpen`` by itself. The other three are
/// set by hand (see ``CircuitBreaker/forceOpen(reason:)``) and left only by hand.
public enum CircuitState: UInt8, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// Calls pass and are recorded; failures can open the circuit.
    case closed = 0
    /// Calls are rejected until the open duration is over.
    case open = 1
    /// A limited number of probe calls pass; their outcomes close or re-open the circuit.
    case halfOpen = 2
    /// Every call is rejected until the circuit is reset or set to another manual state.
    case forcedOpen = 3
    /// Every call passes and nothing is recorded: the breaker is switched off.
    case disabled = 4
    /// Every call passes and is recorded, observers see every outcome, and the circuit never trips.
    case metricsOnly = 5

    /// The name in snake case, as metrics and logs show it: `closed`, `open`, `half_open`,
    /// `forced_open`, `disabled`, `metrics_only`.
    public var description: String {
        switch self {
        case .closed: "closed"
        case .open: "open"
        case .halfOpen: "half_open"
        case .forcedOpen: "forced_open"
        case .disabled: "disabled"
        case .metricsOnly: "metrics_only"
        }
    }

    /// Whether calls are rejected in this state (open-state calls are, until the wait is over).
    public var rejectsCalls: Bool {
        self == .open || self == .forcedOpen
    }
}

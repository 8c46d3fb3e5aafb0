/// A breaker did not let a call through.
public struct CircuitBreakerError: Error, Hashable, CustomStringConvertible {
    /// The name of the circuit.
    public var circuit: String
    /// The state that rejected the call: open, half-open (all probes taken) or forced open.
    public var state: CircuitState
    /// The earliest instant, on the breaker's clock, at which the circuit will admit a call, when
    /// that is known: an open circuit's end of wait. `nil` while forced open or half-open.
    public var nextAdmission: BreakerInstant?
    /// The breaker's clock, which ``nextAdmission`` is an instant of.
    private let clock: RejectionClock

    /// Creates the error for a call that `circuit` rejected in `state`, with `nextAdmission` on
    /// the system clock.
    public init(circuit: String, state: CircuitState, nextAdmission: BreakerInstant?) {
        self.init(circuit: circuit, state: state, nextAdmission: nextAdmission, rejectionClock: .system)
    }

    /// The error of a breaker's rejection, on the breaker's clock.
    init(circuit: String, state: CircuitState, nextAdmission: BreakerInstant?, rejectionClock: RejectionClock) {
        self.circuit = circuit
        self.state = state
        self.nextAdmission = nextAdmission
        clock = rejectionClock
    }

    /// How long from now until the circuit admits a call, when that is known (an open circuit):
    /// what an HTTP `Retry-After` header says, once rounded up to whole seconds. Read on the
    /// breaker's clock; `nil` as well once a breaker with a clock of its own is freed.
    ///
    /// ```swift
    /// } catch let error as CircuitBreakerError {
    ///     let seconds = error.retryAfter.map { $0.components.seconds + 1 } ?? 1
    ///     return Response(status: .serviceUnavailable, headers: ["Retry-After": "\(seconds)"])
    /// }
    /// ```
    public var retryAfter: Duration? {
        guard let nextAdmission, let now = clock.now else { return nil }
        return max(.zero, now.duration(to: nextAdmission))
    }

    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.circuit == rhs.circuit && lhs.state == rhs.state && lhs.nextAdmission == rhs.nextAdmission
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(circuit)
        hasher.combine(state)
        hasher.combine(nextAdmission)
    }

    public var description: String {
        switch state {
        case .open: "circuit '\(circuit)' is open; rejecting calls until its open duration is over"
        case .halfOpen: "circuit '\(circuit)' is half-open and all its probe calls are taken"
        default: "circuit '\(circuit)' is \(state); rejecting calls"
        }
    }
}

/// A call through a breaker did not finish within its timeout.
public struct CircuitBreakerTimeoutError: Error, Hashable, CustomStringConvertible {
    /// The name of the circuit.
    public var circuit: String
    /// The timeout the call exceeded.
    public var timeout: Duration

    /// Creates the error for a call through `circuit` that exceeded `timeout`.
    public init(circuit: String, timeout: Duration) {
        self.circuit = circuit
        self.timeout = timeout
    }

    public var description: String {
        "call through circuit '\(circuit)' timed out after \(timeout)"
    }
}

/// A breaker did not let a call through.
public struct CircuitBreakerError: Error, Hashable, CustomStringConvertible {
    /// The name of the circuit.
    public var circuit: String
    /// The state that rejected the call: open, half-open (all probes taken) or forced open.
    public var state: CircuitState
    /// The earliest instant, on the breaker's clock, at which the circuit will admit a call, when
    /// that is known: an open circuit's end of wait. `nil` while forced open or half-open.
    public var nextAdmission: BreakerInstant?

    /// Creates the error for a call that `circuit` rejected in `state`.
    public init(circuit: String, state: CircuitState, nextAdmission: BreakerInstant?) {
        self.circuit = circuit
        self.state = state
        self.nextAdmission = nextAdmission
    }

    /// How long after `now` the circuit will admit a call, when that is known.
    public func retryAfter(now: BreakerInstant) -> Duration? {
        nextAdmission.map { max(.zero, now.duration(to: $0)) }
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

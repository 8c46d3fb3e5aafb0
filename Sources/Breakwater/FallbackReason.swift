/// Why a call through a breaker fell back.
public enum FallbackReason: Sendable {
    /// The circuit did not let the call through.
    case rejected(CircuitBreakerError)
    /// The operation threw this error, whether or not it counted as a failure.
    case failed(any Error)
    /// The operation did not finish within its timeout.
    case timedOut(CircuitBreakerTimeoutError)

    /// Why a call fell back, without the error: what observers are told, so that they never hold
    /// on to an operation's error.
    public enum Kind: UInt8, Sendable, Hashable, CaseIterable, CustomStringConvertible {
        /// The circuit did not let the call through.
        case rejected
        /// The operation threw an error.
        case failed
        /// The operation did not finish within its timeout.
        case timedOut

        /// The name as metrics show it: `rejected`, `failed`, `timed_out`.
        public var description: String {
            switch self {
            case .rejected: "rejected"
            case .failed: "failed"
            case .timedOut: "timed_out"
            }
        }
    }

    /// The kind of reason, without its error.
    public var kind: Kind {
        switch self {
        case .rejected: .rejected
        case .failed: .failed
        case .timedOut: .timedOut
        }
    }
}

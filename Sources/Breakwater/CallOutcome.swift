/// What became of one call through a breaker, as observers see it.
public enum CallOutcome: UInt8, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// The operation returned a result that counts as success.
    case success
    /// The operation threw an error that counts as failure, or returned a result that does.
    case failure
    /// The operation did not finish within its timeout; counts as a failure.
    case timeout
    /// The operation threw an error that does not count, such as `CancellationError`.
    case ignored
    /// The breaker did not let the call through.
    case rejected

    /// The name as metrics show it: `success`, `failure`, `timeout`, `ignored`, `rejected`.
    public var description: String {
        switch self {
        case .success: "success"
        case .failure: "failure"
        case .timeout: "timeout"
        case .ignored: "ignored"
        case .rejected: "rejected"
        }
    }

    /// Whether the outcome counts against the dependency.
    public var isFailure: Bool {
        self == .failure || self == .timeout
    }
}

/// How a call admitted by ``CircuitBreaker/acquirePermission()`` ended, as an integration
/// reports it.
public enum CallCompletion: Sendable, Hashable {
    /// The call succeeded.
    case success
    /// The call failed.
    case failure
    /// The call timed out; counts as a failure.
    case timeout
    /// The call ended in a way that says nothing about the dependency; its permission is returned.
    case ignored

    var outcome: CallOutcome {
        switch self {
        case .success: .success
        case .failure: .failure
        case .timeout: .timeout
        case .ignored: .ignored
        }
    }
}

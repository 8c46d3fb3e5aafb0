/// How a ``CircuitBreaker`` decides to trip, to wait, and to recover.
///
/// Every field has a default; the defaults make a classic breaker that opens after 5 consecutive
/// failures, stays open for 60 seconds, then admits 10 probe calls.
///
/// Policies combine: with a ``failureRateThreshold`` and a ``slowCallRateThreshold`` the circuit
/// opens when either is reached, and also on ``consecutiveFailureThreshold`` failures in a row
/// when that is set. A ``CircuitBreaker`` checks every field when it is created and throws a
/// ``CircuitBreakerConfigurationError`` naming the field and its allowed range.
public struct CircuitBreakerConfiguration: Sendable {
    /// Failures in a row that open the circuit.
    ///
    /// `nil` (the default) means 5 when neither rate threshold is set, and off otherwise.
    /// Allowed: 1 or more.
    public var consecutiveFailureThreshold: Int?

    /// The failure rate over the ``slidingWindow`` at or above which the circuit opens,
    /// greater than 0 and at most 1 (0.5 is 50 %). `nil`, the default, turns the policy off.
    public var failureRateThreshold: Double?

    /// The rate of slow calls over the ``slidingWindow`` at or above which the circuit opens,
    /// greater than 0 and at most 1. `nil`, the default, turns the policy off.
    public var slowCallRateThreshold: Double?

    /// A call that takes longer than this is slow. Default 60 seconds; must be positive.
    public var slowCallDurationThreshold: Duration

    /// The calls the rates are computed over. Default: the last 100 calls.
    public var slidingWindow: SlidingWindow

    /// Calls the window must hold before either rate counts. Default 10; at least 1.
    ///
    /// A count-based window smaller than this uses its size instead.
    public var minimumNumberOfCalls: Int

    /// How long the circuit stays open before it admits probes. Default: fixed, 60 seconds.
    public var openDuration: OpenDuration

    /// Whether an open circuit moves to half-open by a timer when its wait is over, rather than on
    /// the next call. Dashboards then see half-open without traffic. Default `false`.
    ///
    /// The same timer ends a half-open state that exceeds ``maximumWaitInHalfOpen``; without it,
    /// the next call or probe outcome does.
    public var automaticTransitionFromOpenToHalfOpen: Bool

    /// Probe calls admitted in half-open, exactly, however many callers arrive. Default 10; at
    /// least 1.
    ///
    /// With a rate threshold set, the circuit decides once all probes have completed: it closes if
    /// their rates are below the thresholds and opens again otherwise. With only the consecutive
    /// failure policy, the first failed probe opens it again and the circuit closes when all
    /// probes have succeeded.
    public var permittedCallsInHalfOpen: Int

    /// The longest the circuit waits in half-open for its probes; past it, the circuit opens
    /// again, so a probe that never returns cannot wedge it. `nil`, the default, waits forever.
    public var maximumWaitInHalfOpen: Duration?

    /// Decides whether a thrown error counts as a failure (`true`) or is ignored (`false`).
    ///
    /// The default counts every error except `CancellationError`: a cancelled caller says
    /// nothing about the health of the dependency.
    public var isFailure: @Sendable (any Error) -> Bool

    /// Creates a configuration; see each property for its meaning and default.
    public init(
        consecutiveFailureThreshold: Int? = nil,
        failureRateThreshold: Double? = nil,
        slowCallRateThreshold: Double? = nil,
        slowCallDurationThreshold: Duration = .seconds(60),
        slidingWindow: SlidingWindow = .countBased(size: 100),
        minimumNumberOfCalls: Int = 10,
        openDuration: OpenDuration = .fixed(.seconds(60)),
        automaticTransitionFromOpenToHalfOpen: Bool = false,
        permittedCallsInHalfOpen: Int = 10,
        maximumWaitInHalfOpen: Duration? = nil,
        isFailure: @escaping @Sendable (any Error) -> Bool = { !($0 is CancellationError) }
    ) {
        self.consecutiveFailureThreshold = consecutiveFailureThreshold
        self.failureRateThreshold = failureRateThreshold
        self.slowCallRateThreshold = slowCallRateThreshold
        self.slowCallDurationThreshold = slowCallDurationThreshold
        self.slidingWindow = slidingWindow
        self.minimumNumberOfCalls = minimumNumberOfCalls
        self.openDuration = openDuration
        self.automaticTransitionFromOpenToHalfOpen = automaticTransitionFromOpenToHalfOpen
        self.permittedCallsInHalfOpen = permittedCallsInHalfOpen
        self.maximumWaitInHalfOpen = maximumWaitInHalfOpen
        self.isFailure = isFailure
    }

    /// The consecutive failure threshold in force: the configured one, or 5 when no policy is set.
    public var effectiveConsecutiveFailureThreshold: Int? {
        if let consecutiveFailureThreshold { return consecutiveFailureThreshold }
        return hasRatePolicy ? nil : 5
    }

    /// The minimum number of calls in force: ``minimumNumberOfCalls``, or the size of a
    /// count-based window smaller than that.
    public var effectiveMinimumNumberOfCalls: Int {
        if case .countBased(let size) = slidingWindow {
            return min(minimumNumberOfCalls, size)
        }
        return minimumNumberOfCalls
    }

    /// Whether a failure-rate or slow-call-rate threshold is set.
    public var hasRatePolicy: Bool {
        failureRateThreshold != nil || slowCallRateThreshold != nil
    }
}

extension CircuitBreakerConfiguration: Equatable {
    /// Two configurations are equal when every field but the ``isFailure`` predicate is equal:
    /// closures cannot be compared.
    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.consecutiveFailureThreshold == rhs.consecutiveFailureThreshold
            && lhs.failureRateThreshold == rhs.failureRateThreshold
            && lhs.slowCallRateThreshold == rhs.slowCallRateThreshold
            && lhs.slowCallDurationThreshold == rhs.slowCallDurationThreshold
            && lhs.slidingWindow == rhs.slidingWindow
            && lhs.minimumNumberOfCalls == rhs.minimumNumberOfCalls
            && lhs.openDuration == rhs.openDuration
            && lhs.automaticTransitionFromOpenToHalfOpen == rhs.automaticTransitionFromOpenToHalfOpen
            && lhs.permittedCallsInHalfOpen == rhs.permittedCallsInHalfOpen
            && lhs.maximumWaitInHalfOpen == rhs.maximumWaitInHalfOpen
    }
}

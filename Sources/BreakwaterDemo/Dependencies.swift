import Breakwater

/// The demo's dependencies and the breaker configuration each one gets.
enum Dependencies {
    static let configurations: [String: CircuitBreakerConfiguration] = [
        // Opens when half of the last 20 calls fail.
        "payments": CircuitBreakerConfiguration(
            failureRateThreshold: 0.5, slidingWindow: .countBased(size: 20), minimumNumberOfCalls: 10,
            openDuration: .fixed(.seconds(5)), automaticTransitionFromOpenToHalfOpen: true, permittedCallsInHalfOpen: 3),
        // The classic rule: five failures in a row.
        "inventory": CircuitBreakerConfiguration(
            consecutiveFailureThreshold: 5, openDuration: .fixed(.seconds(8)), automaticTransitionFromOpenToHalfOpen: true,
            permittedCallsInHalfOpen: 2),
        // Opens when half the calls of the last 10 seconds are slower than 300 ms.
        "search": CircuitBreakerConfiguration(
            slowCallRateThreshold: 0.5, slowCallDurationThreshold: .milliseconds(300),
            slidingWindow: .timeBased(duration: .seconds(10)), minimumNumberOfCalls: 5,
            openDuration: .exponential(initial: .seconds(2), maximum: .seconds(30), jitter: 0.1),
            automaticTransitionFromOpenToHalfOpen: true, permittedCallsInHalfOpen: 3),
        // Failure and slow-call rates together, over a time window.
        "recommendations": CircuitBreakerConfiguration(
            failureRateThreshold: 0.6, slowCallRateThreshold: 0.9, slowCallDurationThreshold: .seconds(1),
            slidingWindow: .timeBased(duration: .seconds(30)), openDuration: .fixed(.seconds(10)),
            automaticTransitionFromOpenToHalfOpen: true),
    ]

    /// The dependencies whose callers answer without them when a call fails or is rejected, as a
    /// page shows no recommendations rather than an error: `circuit_breaker_fallbacks_total` counts these.
    static let withFallback: Set<String> = ["recommendations"]

    /// The configuration of the synthetic circuits that `--circuits` adds.
    static let synthetic = CircuitBreakerConfiguration(
        failureRateThreshold: 0.5, slidingWindow: .countBased(size: 50), openDuration: .fixed(.seconds(15)),
        automaticTransitionFromOpenToHalfOpen: true)
}

// What the benchmarks share: the protected operation, a no-op observer, and breakers put in the
// state a benchmark measures.
import Breakwater
import Logging

/// The protected operation in every benchmark, and the baseline's whole work: one real call that
/// the optimizer can neither inline nor fold away, so subtracting the baseline leaves the breaker.
@inline(never)
func trivialOperation(_ input: Int) -> Int {
    input &+ 1
}

/// An observer that does nothing: the benchmarks pay for telling an observer, not for its work.
struct NoOpObserver: CircuitBreakerObserver {
    func circuitBreaker(_ breaker: CircuitBreaker, didRecord outcome: CallOutcome, duration: Duration) {}
    func circuitBreaker(_ breaker: CircuitBreaker, didTransition transition: StateTransition) {}
}

/// A clock that never moves and costs nothing to read, to take the clock out of a call's cost.
struct ConstantClock: BreakerClock {
    var now: BreakerInstant { BreakerInstant(nanoseconds: 1) }
    var unixTime: Double { 1_700_000_000 }

    /// Never called: the benchmarks arm no timer.
    func sleep(until deadline: BreakerInstant) async throws {
        try Task.checkCancellation()
    }
}

/// The error the failing operation throws.
struct OperationFailure: Error {}

/// Boxed once: throwing a value type as `any Error` allocates its box, and that allocation would be
/// the operation's, not the breaker's.
let boxedOperationFailure: any Error = OperationFailure()

/// A breaker was not in the state its benchmark needs.
struct SetupFailure: Error, CustomStringConvertible {
    var description: String
}

enum Breakers {
    /// Transitions made while setting up would otherwise be logged in the middle of the results.
    static let quietLogger = Logger(label: "breakwater-benchmarks") { _ in SwiftLogNoOpLogHandler() }

    /// A closed breaker, by default on the system clock and with a no-op observer.
    static func closed(
        _ name: String,
        configuration: CircuitBreakerConfiguration = CircuitBreakerConfiguration(),
        clock: any BreakerClock = SystemClock(),
        observers: [any CircuitBreakerObserver] = [NoOpObserver()]
    ) throws -> CircuitBreaker {
        try CircuitBreaker(name: name, configuration: configuration, clock: clock, logger: quietLogger, observers: observers)
    }

    /// A closed breaker that counts every failure and never trips.
    static func neverTripping(_ name: String) throws -> CircuitBreaker {
        try closed(name, configuration: CircuitBreakerConfiguration(consecutiveFailureThreshold: .max))
    }

    /// A closed breaker whose calls are always recorded under its lock: a time-based window
    /// counts every call, where a count-based window full of successes is left as it is.
    static func timeWindowed(_ name: String) throws -> CircuitBreaker {
        try closed(
            name,
            configuration: CircuitBreakerConfiguration(
                failureRateThreshold: 0.5, slidingWindow: .timeBased(duration: .seconds(60)))
        )
    }

    /// A breaker on the system clock that one failure opened for a day.
    static func open(_ name: String) throws -> CircuitBreaker {
        let breaker = try closed(
            name,
            configuration: CircuitBreakerConfiguration(consecutiveFailureThreshold: 1, openDuration: .fixed(.seconds(86_400)))
        )
        breaker.record(.failure, for: try breaker.acquirePermission())
        try expect(breaker, in: .open)
        return breaker
    }

    /// A breaker that stays half-open: it admits any number of probes, and a probe recorded as
    /// ignored gives its permit back without counting towards closing.
    static func halfOpen(_ name: String) throws -> CircuitBreaker {
        let clock = ManualClock()
        let breaker = try CircuitBreaker(
            name: name,
            configuration: CircuitBreakerConfiguration(
                consecutiveFailureThreshold: 1,
                openDuration: .fixed(.seconds(60)),
                permittedCallsInHalfOpen: .max
            ),
            clock: clock,
            logger: quietLogger,
            observers: [NoOpObserver()]
        )
        breaker.record(.failure, for: try breaker.acquirePermission())
        try expect(breaker, in: .open)
        clock.advance(by: .seconds(61))
        // The first call after the open duration moves the circuit to half-open.
        breaker.record(.ignored, for: try breaker.acquirePermission())
        try expect(breaker, in: .halfOpen)
        return breaker
    }

    private static func expect(_ breaker: CircuitBreaker, in state: CircuitState) throws {
        guard breaker.state == state else {
            throw SetupFailure(description: "breaker '\(breaker.name)' is \(breaker.state), expected \(state)")
        }
    }
}

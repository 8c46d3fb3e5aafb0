// Randomized model-based testing: thousands of seeded random call sequences run against a real
// `CircuitBreaker` on a `ManualClock` and against `ReferenceBreaker`, a deliberately plain model
// written from the documentation rather than from the implementation. After every step the state,
// the admissions, the window, the run of failures, the probes and what the observer saw must agree.
//
// A failure names the scenario and the seed and shows the last steps of the sequence. To replay
// one sequence alone:
//
//     BREAKWATER_MODEL_SEED=0x... swift test --filter ModelBased
//
// BREAKWATER_MODEL_SEQUENCES sets the number of sequences per scenario (default 400).

import BreakwaterTestSupport
import Foundation
import Logging
import Synchronization
import Testing

@testable import Breakwater

@Suite("Model-based")
struct ModelBasedTests {
    @Test("the breaker agrees with a reference model on random call sequences", arguments: ModelScenario.all)
    func agreesWithReferenceModel(_ scenario: ModelScenario) throws {
        let environment = ProcessInfo.processInfo.environment
        let seeds: [UInt64]
        if let text = environment["BREAKWATER_MODEL_SEED"], let seed = UInt64(hexadecimalOrDecimal: text) {
            seeds = [seed]
        } else {
            let count = environment["BREAKWATER_MODEL_SEQUENCES"].flatMap { Int($0) } ?? 400
            var seeder = SplitMix64(seed: scenario.baseSeed)
            seeds = (0..<count).map { _ in seeder.next() }
        }
        var failures = 0
        for seed in seeds {
            var run = try ModelRun(scenario: scenario, seed: seed, tracing: false)
            guard let mismatch = run.execute() else { continue }
            // The run is deterministic: replay it with tracing on to show how it got there.
            var traced = try ModelRun(scenario: scenario, seed: seed, tracing: true)
            let replayed = traced.execute() ?? "(did not reproduce with tracing on) \(mismatch)"
            Issue.record(
                """
                scenario \(scenario.name), seed 0x\(String(seed, radix: 16)): \(replayed)
                replay with BREAKWATER_MODEL_SEED=0x\(String(seed, radix: 16)); last steps:
                \(traced.trace.suffix(40).joined(separator: "\n"))
                """
            )
            failures += 1
            if failures == 3 { break }
        }
    }

    /// The shortest sequence the model found for its first disagreement, as a plain specification.
    @Test("a probe that ends after the maximum wait in half-open finds the circuit open again and cannot close it")
    func probeEndingAfterMaximumWaitInHalfOpenDoesNotCount() throws {
        let clock = ManualClock()
        let breaker = try CircuitBreaker(
            name: "late-probe",
            configuration: CircuitBreakerConfiguration(
                consecutiveFailureThreshold: 1,
                openDuration: .fixed(.seconds(10)),
                permittedCallsInHalfOpen: 1,
                maximumWaitInHalfOpen: .seconds(5)
            ),
            clock: clock,
            logger: Logger(label: "late-probe", factory: { _ in SwiftLogNoOpLogHandler() })
        )
        breaker.record(.failure, for: try breaker.acquirePermission())
        clock.advance(by: .seconds(10))
        let probe = try breaker.acquirePermission()
        #expect(breaker.state == .halfOpen)

        clock.advance(by: .seconds(6))
        breaker.record(.success, for: probe)

        #expect(breaker.state == .open, "past the maximum wait in half-open the circuit opens again")
        #expect(breaker.snapshot().lastTransition?.reason == .halfOpenWaitExceeded)
    }
}

// MARK: - Scenarios

struct ModelScenario: Sendable, CustomTestStringConvertible {
    var name: String
    var configuration: CircuitBreakerConfiguration
    var baseSeed: UInt64

    var testDescription: String { name }

    static let all: [ModelScenario] = [
        ModelScenario(
            name: "consecutive failures only, fixed open duration",
            configuration: CircuitBreakerConfiguration(
                consecutiveFailureThreshold: 3,
                slowCallDurationThreshold: .milliseconds(100),
                openDuration: .fixed(.seconds(5)),
                permittedCallsInHalfOpen: 3
            ),
            baseSeed: 0x1001
        ),
        ModelScenario(
            name: "default consecutive threshold, exponential open duration, maximum wait in half-open",
            configuration: CircuitBreakerConfiguration(
                slowCallDurationThreshold: .milliseconds(100),
                openDuration: .exponential(initial: .seconds(1), multiplier: 2, maximum: .seconds(16)),
                permittedCallsInHalfOpen: 2,
                maximumWaitInHalfOpen: .seconds(3)
            ),
            baseSeed: 0x1002
        ),
        ModelScenario(
            name: "failure rate over a count-based window",
            configuration: CircuitBreakerConfiguration(
                failureRateThreshold: 0.5,
                slowCallDurationThreshold: .milliseconds(100),
                slidingWindow: .countBased(size: 10),
                minimumNumberOfCalls: 5,
                openDuration: .fixed(.seconds(2)),
                permittedCallsInHalfOpen: 4
            ),
            baseSeed: 0x1003
        ),
        ModelScenario(
            name: "failure rate over a count-based window smaller than the minimum number of calls",
            configuration: CircuitBreakerConfiguration(
                failureRateThreshold: 0.6,
                slowCallDurationThreshold: .milliseconds(100),
                slidingWindow: .countBased(size: 5),
                minimumNumberOfCalls: 10,
                openDuration: .exponential(initial: .milliseconds(500), multiplier: 3, maximum: .seconds(10)),
                permittedCallsInHalfOpen: 3,
                maximumWaitInHalfOpen: .seconds(2)
            ),
            baseSeed: 0x1004
        ),
        ModelScenario(
            name: "slow-call rate over a time-based window",
            configuration: CircuitBreakerConfiguration(
                slowCallRateThreshold: 0.5,
                slowCallDurationThreshold: .milliseconds(100),
                slidingWindow: .timeBased(duration: .seconds(10), buckets: 5),
                minimumNumberOfCalls: 3,
                openDuration: .fixed(.seconds(3)),
                permittedCallsInHalfOpen: 3,
                maximumWaitInHalfOpen: .seconds(4)
            ),
            baseSeed: 0x1005
        ),
        ModelScenario(
            name: "every policy at once over a time-based window",
            configuration: CircuitBreakerConfiguration(
                consecutiveFailureThreshold: 4,
                failureRateThreshold: 0.6,
                slowCallRateThreshold: 0.4,
                slowCallDurationThreshold: .milliseconds(100),
                slidingWindow: .timeBased(duration: .seconds(6), buckets: 3),
                minimumNumberOfCalls: 4,
                openDuration: .exponential(initial: .seconds(1), multiplier: 1.5, maximum: .seconds(20)),
                permittedCallsInHalfOpen: 5,
                maximumWaitInHalfOpen: .seconds(5)
            ),
            baseSeed: 0x1006
        ),
        ModelScenario(
            name: "both rates over a one-bucket time-based window",
            configuration: CircuitBreakerConfiguration(
                failureRateThreshold: 0.5,
                slowCallRateThreshold: 0.75,
                slowCallDurationThreshold: .milliseconds(100),
                slidingWindow: .timeBased(duration: .seconds(2), buckets: 1),
                minimumNumberOfCalls: 2,
                openDuration: .fixed(.seconds(1)),
                permittedCallsInHalfOpen: 1
            ),
            baseSeed: 0x1007
        ),
        ModelScenario(
            name: "failure rate over many narrow buckets, with consecutive failures",
            configuration: CircuitBreakerConfiguration(
                consecutiveFailureThreshold: 2,
                failureRateThreshold: 0.3,
                slowCallDurationThreshold: .milliseconds(50),
                slidingWindow: .timeBased(duration: .seconds(1), buckets: 10),
                minimumNumberOfCalls: 3,
                openDuration: .exponential(initial: .milliseconds(300), multiplier: 2, maximum: .seconds(5)),
                permittedCallsInHalfOpen: 2,
                maximumWaitInHalfOpen: .milliseconds(700)
            ),
            baseSeed: 0x1008
        ),
        ModelScenario(
            name: "failure rate over slices of an odd number of nanoseconds",
            configuration: CircuitBreakerConfiguration(
                failureRateThreshold: 0.5,
                slowCallDurationThreshold: .milliseconds(100),
                slidingWindow: .timeBased(duration: .seconds(1), buckets: 3),
                minimumNumberOfCalls: 4,
                openDuration: .fixed(.milliseconds(500)),
                permittedCallsInHalfOpen: 3
            ),
            baseSeed: 0x100D
        ),
        ModelScenario(
            name: "thresholds at the edges: the smallest failure rate, slow-call rate 1",
            configuration: CircuitBreakerConfiguration(
                failureRateThreshold: .leastNonzeroMagnitude,
                slowCallRateThreshold: 1,
                slowCallDurationThreshold: .milliseconds(100),
                slidingWindow: .countBased(size: 4),
                minimumNumberOfCalls: 3,
                openDuration: .fixed(.milliseconds(800)),
                permittedCallsInHalfOpen: 2,
                maximumWaitInHalfOpen: .seconds(1)
            ),
            baseSeed: 0x1009
        ),
    ]
}

// MARK: - The reference model

/// A circuit breaker as its documentation describes it, kept as plain as possible: the window is
/// the full list of counted calls since it was last emptied, and every count is a filter over it.
private struct ReferenceBreaker {
    struct Sample {
        var end: Int64
        var failed: Bool
        var slow: Bool
    }

    struct Permission {
        var generation: Int
        var state: CircuitState
        var admittedAt: Int64
    }

    enum Admission {
        case admitted(Permission)
        case rejected(state: CircuitState, nextAdmission: Int64?)
    }

    struct Counts: Equatable {
        var calls = 0
        var failures = 0
        var slowCalls = 0
    }

    let configuration: CircuitBreakerConfiguration

    private(set) var state: CircuitState = .closed
    /// Every transition starts a new generation; only calls admitted in the current one count.
    private(set) var generation = 0
    private(set) var enteredAt: Int64 = 0
    private(set) var openUntil: Int64 = 0
    private(set) var opensSinceClosed = 0
    /// Counted calls since the window was last emptied, oldest first.
    private(set) var samples: [Sample] = []
    private(set) var consecutiveFailures = 0
    private(set) var probesAdmitted = 0
    private(set) var probes: [Sample] = []
    private(set) var transitions: [(from: CircuitState, to: CircuitState)] = []
    /// What the observer must have been told, indexed by `CallOutcome.rawValue`.
    private(set) var outcomes = [Int](repeating: 0, count: CallOutcome.allCases.count)

    init(configuration: CircuitBreakerConfiguration) {
        self.configuration = configuration
    }

    // The configuration, read as its documentation states it.

    private var hasRatePolicy: Bool {
        configuration.failureRateThreshold != nil || configuration.slowCallRateThreshold != nil
    }

    /// "`nil` means 5 when neither rate threshold is set, and off otherwise."
    private var consecutiveThreshold: Int? {
        configuration.consecutiveFailureThreshold ?? (hasRatePolicy ? nil : 5)
    }

    /// "A count-based window smaller than this uses its size instead."
    var minimumCalls: Int {
        if case .countBased(let size) = configuration.slidingWindow {
            return min(size, configuration.minimumNumberOfCalls)
        }
        return configuration.minimumNumberOfCalls
    }

    private var slowThreshold: Int64 { nanoseconds(configuration.slowCallDurationThreshold) }

    /// "The n-th consecutive open waits initial × multiplier^(n-1), at most maximum."
    private func openWait(opens: Int) -> Int64 {
        switch configuration.openDuration {
        case .fixed(let duration):
            return nanoseconds(duration)
        case .exponential(let initial, let multiplier, let maximum, _):
            // Integer nanoseconds times the scenarios' multipliers stay exact in a Double.
            let ceiling = Double(nanoseconds(maximum))
            var wait = Double(nanoseconds(initial))
            for _ in 1..<opens where wait < ceiling {
                wait *= multiplier
            }
            return Int64(min(wait, ceiling))
        }
    }

    // Reading.

    /// The window at `now`: the last `size` calls, or the calls in the slices of a time-based
    /// window that have not aged out. Slice `k` holds the instants from `k × width` up to
    /// `(k + 1) × width`; at `now` the window holds the `buckets` newest slices up to `now`'s.
    func window(at now: Int64) -> Counts {
        let kept: ArraySlice<Sample>
        switch configuration.slidingWindow {
        case .countBased(let size):
            kept = samples.suffix(size)
        case .timeBased(let duration, let buckets):
            let width = nanoseconds(duration) / Int64(buckets)
            let newest = floorDivide(now, width)
            kept = samples.filter { floorDivide($0.end, width) > newest - Int64(buckets) }[...]
        }
        return counts(of: kept)
    }

    func counts<S: Sequence<Sample>>(of samples: S) -> Counts {
        var counts = Counts()
        for sample in samples {
            counts.calls += 1
            if sample.failed { counts.failures += 1 }
            if sample.slow { counts.slowCalls += 1 }
        }
        return counts
    }

    static func rate(_ part: Int, of calls: Int, minimum: Int) -> Double? {
        calls >= minimum && calls > 0 ? Double(part) / Double(calls) : nil
    }

    private func halfOpenWaitIsOver(at now: Int64) -> Bool {
        guard let maximum = configuration.maximumWaitInHalfOpen else { return false }
        return now >= enteredAt + nanoseconds(maximum)
    }

    // Calls.

    /// An open circuit whose wait is over moves to half-open on the next call; a half-open one past
    /// its maximum wait opens again.
    mutating func admit(at now: Int64) -> Admission {
        if state == .open, now >= openUntil {
            enter(.halfOpen, at: now)
        }
        if state == .halfOpen, halfOpenWaitIsOver(at: now) {
            enter(.open, at: now)
        }
        let admitted = Admission.admitted(Permission(generation: generation, state: state, admittedAt: now))
        switch state {
        case .closed, .metricsOnly, .disabled:
            return admitted
        case .halfOpen where probesAdmitted < configuration.permittedCallsInHalfOpen:
            probesAdmitted += 1
            return admitted
        case .open, .halfOpen, .forcedOpen:
            outcomes[Int(CallOutcome.rejected.rawValue)] += 1
            return .rejected(state: state, nextAdmission: state == .open ? openUntil : nil)
        }
    }

    mutating func record(_ outcome: CallOutcome, for permission: Permission, duration: Int64, at now: Int64) {
        // "A disabled breaker reports nothing."
        guard permission.state != .disabled else { return }
        outcomes[Int(outcome.rawValue)] += 1
        // "Past it, the circuit opens again": a probe that ends after the maximum wait in half-open
        // finds the circuit open, not half-open, and cannot close it.
        if state == .halfOpen, halfOpenWaitIsOver(at: now) {
            enter(.open, at: now)
        }
        guard permission.generation == generation else { return }
        let failed = outcome == .failure || outcome == .timeout
        let sample = Sample(end: now, failed: failed, slow: duration > slowThreshold)
        switch state {
        case .closed, .metricsOnly:
            guard outcome != .ignored else { return }
            samples.append(sample)
            consecutiveFailures = failed ? consecutiveFailures + 1 : 0
            if state == .closed, reachesThreshold(at: now) {
                enter(.open, at: now)
            }
        case .halfOpen:
            // An ignored probe gives its permit back.
            guard outcome != .ignored else {
                probesAdmitted -= 1
                return
            }
            probes.append(sample)
            consecutiveFailures = failed ? consecutiveFailures + 1 : 0
            if let recovered = probeVerdict() {
                enter(recovered ? .closed : .open, at: now)
            }
        case .open, .forcedOpen, .disabled:
            return
        }
    }

    private func reachesThreshold(at now: Int64) -> Bool {
        if let threshold = consecutiveThreshold, consecutiveFailures >= threshold {
            return true
        }
        let window = window(at: now)
        if let threshold = configuration.failureRateThreshold,
            let rate = Self.rate(window.failures, of: window.calls, minimum: minimumCalls), rate >= threshold
        {
            return true
        }
        if let threshold = configuration.slowCallRateThreshold,
            let rate = Self.rate(window.slowCalls, of: window.calls, minimum: minimumCalls), rate >= threshold
        {
            return true
        }
        return false
    }

    /// With a rate policy, the verdict waits for every probe and compares their rates with the
    /// thresholds; with only the consecutive policy, the first failure decides, or all successes.
    private func probeVerdict() -> Bool? {
        let permitted = configuration.permittedCallsInHalfOpen
        let counts = counts(of: probes)
        if !hasRatePolicy {
            if counts.failures > 0 { return false }
            return counts.calls == permitted ? true : nil
        }
        guard counts.calls == permitted else { return nil }
        if let threshold = configuration.failureRateThreshold,
            Double(counts.failures) / Double(counts.calls) >= threshold
        {
            return false
        }
        if let threshold = configuration.slowCallRateThreshold,
            Double(counts.slowCalls) / Double(counts.calls) >= threshold
        {
            return false
        }
        return true
    }

    // Transitions.

    /// Setting the state the circuit is already in changes nothing, except a reset, which always
    /// starts over with an empty window.
    mutating func setByHand(_ target: CircuitState, at now: Int64) {
        guard target != state || target == .closed else { return }
        enter(target, at: now)
    }

    private mutating func enter(_ target: CircuitState, at now: Int64) {
        transitions.append((state, target))
        state = target
        generation += 1
        enteredAt = now
        probesAdmitted = 0
        probes = []
        switch target {
        case .closed, .disabled, .metricsOnly:
            samples = []
            consecutiveFailures = 0
            opensSinceClosed = 0
        case .open:
            opensSinceClosed += 1
            openUntil = now + openWait(opens: opensSinceClosed)
        case .halfOpen:
            consecutiveFailures = 0
        case .forcedOpen:
            break
        }
    }
}

private func nanoseconds(_ duration: Duration) -> Int64 {
    let (seconds, attoseconds) = duration.components
    return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
}

private func floorDivide(_ value: Int64, _ divisor: Int64) -> Int64 {
    let quotient = value / divisor
    return value % divisor < 0 ? quotient - 1 : quotient
}

// MARK: - Running a sequence

/// Counts what a breaker reports, for comparison with the model after every step.
private final class ModelObserver: CircuitBreakerObserver {
    private struct Seen {
        var outcomes = [Int](repeating: 0, count: CallOutcome.allCases.count)
        var transitions: [StateTransition] = []
    }

    private let seen = Mutex(Seen())

    func circuitBreaker(_ breaker: CircuitBreaker, didRecord outcome: CallOutcome, duration: Duration) {
        seen.withLock { $0.outcomes[Int(outcome.rawValue)] += 1 }
    }

    func circuitBreaker(_ breaker: CircuitBreaker, didTransition transition: StateTransition) {
        seen.withLock { $0.transitions.append(transition) }
    }

    var outcomes: [Int] { seen.withLock { $0.outcomes } }
    var transitionCount: Int { seen.withLock { $0.transitions.count } }
    var lastTransition: StateTransition? { seen.withLock { $0.transitions.last } }
}

/// One random sequence of steps against a fresh breaker and a fresh model.
private struct ModelRun {
    let scenario: ModelScenario
    let clock = ManualClock()
    let observer = ModelObserver()
    let breaker: CircuitBreaker
    var model: ReferenceBreaker
    var random: SplitMix64
    var outstanding: [(real: CircuitBreakerPermission, model: ReferenceBreaker.Permission)] = []
    let tracing: Bool
    var trace: [String] = []

    // How this sequence behaves, drawn from its seed.
    let steps: Int
    let failureChance: Double
    let slowChance: Double
    let manualChance: Double
    let maximumOutstanding: Int
    /// Taking a snapshot ages a time-based window out to the present, so some sequences over a
    /// time-based window take few, leaving recording to age the window itself. Sequences over a
    /// count-based window compare everything after every step.
    let snapshotChance: Double

    init(scenario: ModelScenario, seed: UInt64, tracing: Bool) throws {
        self.scenario = scenario
        self.tracing = tracing
        breaker = try CircuitBreaker(
            name: "model",
            configuration: scenario.configuration,
            clock: clock,
            logger: Logger(label: "model", factory: { _ in SwiftLogNoOpLogHandler() }),
            observers: [observer]
        )
        model = ReferenceBreaker(configuration: scenario.configuration)
        random = SplitMix64(seed: seed)
        steps = Int.random(in: 50...250, using: &random)
        failureChance = [0.05, 0.3, 0.5, 0.7, 0.95].randomElement(using: &random)!
        slowChance = [0.0, 0.2, 0.5, 0.8].randomElement(using: &random)!
        manualChance = [0.0, 0.02, 0.08].randomElement(using: &random)!
        maximumOutstanding = Int.random(in: 1...12, using: &random)
        if case .timeBased = scenario.configuration.slidingWindow {
            snapshotChance = [1.0, 0.5, 0.1].randomElement(using: &random)!
        } else {
            snapshotChance = 1
        }
    }

    private var now: Int64 { clock.now.nanoseconds }

    private mutating func log(_ message: @autoclosure () -> String) {
        if tracing {
            trace.append("t=\(now) [\(model.state)] \(message())")
        }
    }

    /// Runs the sequence; returns the first disagreement, or `nil`.
    mutating func execute() -> String? {
        if let mismatch = compare(snapshot: true) { return "before any step: \(mismatch)" }
        for step in 0..<steps {
            let snapshot = step == steps - 1 || Double.random(in: 0..<1, using: &random) < snapshotChance
            if let mismatch = takeStep() ?? compare(snapshot: snapshot) {
                return "step \(step): \(mismatch)"
            }
        }
        return nil
    }

    private mutating func takeStep() -> String? {
        let roll = Double.random(in: 0..<1, using: &random)
        if roll < manualChance {
            setStateByHand()
            return nil
        }
        switch Int.random(in: 0..<100, using: &random) {
        case 0..<35:
            return outstanding.count < maximumOutstanding ? acquire() : complete()
        case 35..<70:
            return outstanding.isEmpty ? acquire() : complete()
        default:
            advanceClock()
            return nil
        }
    }

    private mutating func acquire() -> String? {
        let expected = model.admit(at: now)
        let actual = Result { () throws(CircuitBreakerError) in try breaker.acquirePermission() }
        switch (expected, actual) {
        case (.admitted(let modelPermission), .success(let permission)):
            log("acquire -> admitted in \(modelPermission.state), generation \(modelPermission.generation)")
            outstanding.append((permission, modelPermission))
            return nil
        case (.rejected(let state, let nextAdmission), .failure(let error)):
            log("acquire -> rejected in \(state)")
            if error.state != state || error.nextAdmission?.nanoseconds != nextAdmission {
                return "rejection says \(error.state), next admission \(String(describing: error.nextAdmission?.nanoseconds)); "
                    + "model says \(state), next admission \(String(describing: nextAdmission))"
            }
            return nil
        case (.admitted(let modelPermission), .failure(let error)):
            log("acquire -> model admits in \(modelPermission.state), breaker rejects in \(error.state)")
            return "the model admits a call in \(modelPermission.state); the breaker rejects it in \(error.state)"
        case (.rejected(let state, _), .success):
            log("acquire -> model rejects in \(state), breaker admits")
            return "the model rejects a call in \(state); the breaker admits it"
        }
    }

    private mutating func complete() -> String? {
        let index = Int.random(in: 0..<outstanding.count, using: &random)
        let (permission, modelPermission) = outstanding.remove(at: index)

        let completion: CallCompletion
        if Double.random(in: 0..<1, using: &random) < 0.1 {
            completion = .ignored
        } else if Double.random(in: 0..<1, using: &random) < failureChance {
            completion = Bool.random(using: &random) ? .failure : .timeout
        } else {
            completion = .success
        }

        let threshold = nanoseconds(scenario.configuration.slowCallDurationThreshold)
        let duration: Int64?
        switch Int.random(in: 0..<20, using: &random) {
        case 0..<4: duration = nil  // the time since the permission was acquired
        case 4: duration = threshold  // not slow: slow is strictly longer
        case 5: duration = threshold + 1
        default:
            duration =
                Double.random(in: 0..<1, using: &random) < slowChance
                ? Int64.random(in: (threshold + 1)...(threshold * 20), using: &random)
                : Int64.random(in: 0...threshold, using: &random)
        }

        let outcome = completion.outcome
        let measured = duration ?? (now - modelPermission.admittedAt)
        log(
            "complete \(outcome) after \(measured) ns (\(duration == nil ? "measured" : "given")), "
                + "admitted in \(modelPermission.state), generation \(modelPermission.generation) at t=\(modelPermission.admittedAt)"
        )
        model.record(outcome, for: modelPermission, duration: measured, at: now)
        breaker.record(completion, for: permission, duration: duration.map { .nanoseconds($0) })
        return nil
    }

    private mutating func advanceClock() {
        let now = self.now
        // Deadlines the model knows about: exactly at them and just before them are the edges.
        var targets: [Int64] = []
        if model.state == .open {
            targets += [model.openUntil, model.openUntil - 1]
        }
        if model.state == .halfOpen, let maximum = scenario.configuration.maximumWaitInHalfOpen {
            let deadline = model.enteredAt + nanoseconds(maximum)
            targets += [deadline, deadline - 1]
        }
        if case .timeBased(let duration, let buckets) = scenario.configuration.slidingWindow {
            let width = nanoseconds(duration) / Int64(buckets)
            let next = (floorDivide(now, width) + 1) * width
            targets += [next, next - 1, next + width * Int64(buckets - 1)]
        }
        targets = targets.filter { $0 >= now }

        let threshold = nanoseconds(scenario.configuration.slowCallDurationThreshold)
        let target: Int64
        switch Int.random(in: 0..<10, using: &random) {
        case 0..<4 where !targets.isEmpty:
            target = targets.randomElement(using: &random)!
        case 0..<5:
            target = now + Int64.random(in: 0...(threshold * 2), using: &random)
        case 5..<8:
            target = now + Int64.random(in: 0...3_000_000_000, using: &random)
        case 8:
            target = now + Int64.random(in: 3_000_000_000...25_000_000_000, using: &random)
        default:
            target = now
        }
        log("advance by \(target - now) ns")
        clock.advance(by: .nanoseconds(target - now))
    }

    private mutating func setStateByHand() {
        let now = self.now
        switch Int.random(in: 0..<5, using: &random) {
        case 0, 1:
            log("reset")
            model.setByHand(.closed, at: now)
            breaker.reset()
        case 2:
            log("force open")
            model.setByHand(.forcedOpen, at: now)
            breaker.forceOpen()
        case 3:
            log("disable")
            model.setByHand(.disabled, at: now)
            breaker.disable()
        default:
            log("metrics only")
            model.setByHand(.metricsOnly, at: now)
            breaker.enableMetricsOnly()
        }
    }

    /// Everything the breaker shows, against what the model says it should; with `snapshot` false,
    /// only what can be read without side effects.
    private mutating func compare(snapshot takingSnapshot: Bool) -> String? {
        var differences: [String] = []
        func check<T: Equatable>(_ what: String, _ actual: T, _ expected: T) {
            if actual != expected {
                differences.append("\(what) is \(actual), model says \(expected)")
            }
        }
        check("published state", breaker.state, model.state)
        check("transitions observed", observer.transitionCount, model.transitions.count)
        check(
            "last transition observed", observer.lastTransition.map { "\($0.from) -> \($0.to)" },
            model.transitions.last.map { "\($0.from) -> \($0.to)" })
        check("outcomes observed (success, failure, timeout, ignored, rejected)", observer.outcomes, model.outcomes)
        guard takingSnapshot else {
            return differences.isEmpty ? nil : differences.joined(separator: "; ")
        }

        log("snapshot")
        let snapshot = breaker.snapshot()
        let now = self.now
        check("state", snapshot.state, model.state)
        let window = model.window(at: now)
        check(
            "window (calls, failures, slow)",
            [snapshot.window.calls, snapshot.window.failures, snapshot.window.slowCalls],
            [window.calls, window.failures, window.slowCalls]
        )
        check(
            "failure rate", snapshot.failureRate,
            ReferenceBreaker.rate(window.failures, of: window.calls, minimum: model.minimumCalls))
        check(
            "slow-call rate", snapshot.slowCallRate,
            ReferenceBreaker.rate(window.slowCalls, of: window.calls, minimum: model.minimumCalls))
        check("consecutive failures", snapshot.consecutiveFailures, model.consecutiveFailures)
        check("probes admitted", snapshot.probesAdmitted, model.probesAdmitted)
        let probes = model.counts(of: model.probes)
        check(
            "probes (calls, failures, slow)",
            [snapshot.probes.calls, snapshot.probes.failures, snapshot.probes.slowCalls],
            [probes.calls, probes.failures, probes.slowCalls]
        )
        check(
            "next admission", snapshot.nextAdmission?.nanoseconds,
            model.state == .open ? model.openUntil : nil)
        check(
            "last transition", snapshot.lastTransition.map { "\($0.from) -> \($0.to)" },
            model.transitions.last.map { "\($0.from) -> \($0.to)" })
        return differences.isEmpty ? nil : differences.joined(separator: "; ")
    }
}

extension UInt64 {
    fileprivate init?(hexadecimalOrDecimal text: String) {
        if text.hasPrefix("0x") || text.hasPrefix("0X") {
            self.init(text.dropFirst(2), radix: 16)
        } else {
            self.init(text)
        }
    }
}

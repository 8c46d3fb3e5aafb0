// Many tasks and threads on one breaker: no outcome lost or counted twice, no more probes than
// permitted, and no outcome counted in a generation that did not admit its call. Time is a
// `ManualClock`; nothing sleeps.
//
// The tests run one at a time: on a two-core machine, threads that wait for each other would
// otherwise compete with another test's for the cores. The test side locks with `NSLock` and
// `NSCondition` rather than `Mutex`, because ThreadSanitizer sees through pthreads but not
// through the futex under `Synchronization.Mutex` on Linux.

import Dispatch
import Foundation
import Logging
import Synchronization
import Testing

@testable import Breakwater

@Suite("Concurrency", .serialized)
struct ConcurrencyTests {
    // MARK: Exact counts

    @Test(
        "every outcome of concurrent calls from tasks and threads is observed and counted exactly once",
        arguments: [ExactCountMode.metricsOnly, .closedBelowEveryThreshold]
    )
    func exactOutcomeCounts(_ mode: ExactCountMode) async throws {
        let clock = ManualClock()
        let observer = CountingObserver()
        let breaker = try CircuitBreaker(
            name: "exact",
            configuration: CircuitBreakerConfiguration(
                consecutiveFailureThreshold: 1_000_000,
                failureRateThreshold: 0.01,
                slowCallRateThreshold: 0.01,
                slowCallDurationThreshold: .seconds(1),
                slidingWindow: .countBased(size: 1_000_000),
                minimumNumberOfCalls: 1_000_000
            ),
            clock: clock,
            logger: quietLogger
        )
        if mode == .metricsOnly {
            breaker.enableMetricsOnly()
        }
        breaker.addObserver(observer)

        let tasks = 8
        let threads = 4
        let twoStepCalls = 8_000
        let callsPerWorker = 2_000

        // Threads calling the synchronous `run`, while tasks call the asynchronous one and
        // `concurrentPerform` uses the two-step API with explicit durations.
        let threadsDone = startThreads(threads) { thread in
            for call in 0..<callsPerWorker {
                runCall(breaker, kind: RunCallKind(worker: thread, call: call))
            }
        }
        await withTaskGroup(of: Void.self) { group in
            for task in 0..<tasks {
                group.addTask {
                    for call in 0..<callsPerWorker {
                        await runCallAsync(breaker, kind: RunCallKind(worker: threads + task, call: call))
                    }
                }
            }
            group.addTask {
                DispatchQueue.concurrentPerform(iterations: twoStepCalls) { call in
                    recordCall(breaker, kind: TwoStepCallKind(call: call))
                }
            }
        }
        await threadsDone.wait()

        var expected = ExpectedCounts()
        for worker in 0..<(threads + tasks) {
            for call in 0..<callsPerWorker {
                expected.add(RunCallKind(worker: worker, call: call))
            }
        }
        for call in 0..<twoStepCalls {
            expected.add(TwoStepCallKind(call: call))
        }

        #expect(observer.count(of: .success) == expected.successes)
        #expect(observer.count(of: .failure) == expected.failures)
        #expect(observer.count(of: .timeout) == expected.timeouts)
        #expect(observer.count(of: .ignored) == expected.ignored)
        #expect(observer.count(of: .rejected) == 0)
        #expect(observer.transitions == 0)

        let snapshot = breaker.snapshot()
        #expect(snapshot.state == (mode == .metricsOnly ? .metricsOnly : .closed))
        #expect(snapshot.window.calls == expected.successes + expected.failures + expected.timeouts)
        #expect(snapshot.window.failures == expected.failures + expected.timeouts)
        #expect(snapshot.window.slowCalls == expected.slow)
    }

    @Test("successes counted without the lock in a time-based window are all counted, across slices, failures and snapshots")
    func timeWindowSuccessesOffTheLockAreExact() async throws {
        let clock = ManualClock()
        let breaker = try CircuitBreaker(
            name: "time-window",
            configuration: CircuitBreakerConfiguration(
                consecutiveFailureThreshold: 1_000_000,
                failureRateThreshold: 0.99,
                slowCallDurationThreshold: .seconds(1),
                slidingWindow: .timeBased(duration: .seconds(3_600), buckets: 3_600),
                minimumNumberOfCalls: 1
            ),
            clock: clock,
            logger: quietLogger
        )
        let threads = 4
        let successesPerThread = 20_000
        let failures = 500
        let snapshotsTaken = Atomic(0)

        // Successes from several threads while one thread fails now and then, one moves the clock
        // across slices and one takes snapshots: each of those goes through the lock and moves the
        // counts made without it into the window.
        let successes = startThreads(threads) { _ in
            for _ in 0..<successesPerThread {
                let permission = try! breaker.acquirePermission()
                breaker.record(.success, for: permission, duration: .milliseconds(1))
            }
        }
        let others = startThreads(3) { role in
            switch role {
            case 0:
                for _ in 0..<failures {
                    let permission = try! breaker.acquirePermission()
                    breaker.record(.failure, for: permission, duration: .milliseconds(1))
                }
            case 1:
                for _ in 0..<500 {
                    clock.advance(by: .milliseconds(10))
                }
            default:
                for _ in 0..<500 {
                    _ = breaker.snapshot()
                    snapshotsTaken.add(1, ordering: .relaxed)
                }
            }
        }
        await successes.wait()
        await others.wait()

        let snapshot = breaker.snapshot()
        #expect(snapshot.state == .closed)
        #expect(snapshot.window.calls == threads * successesPerThread + failures)
        #expect(snapshot.window.failures == failures)
        #expect(snapshot.window.slowCalls == 0)
        #expect(snapshotsTaken.load(ordering: .relaxed) == 500)
    }

    // MARK: Half-open probes

    @Test(
        "hundreds of threads arriving at once in half-open: exactly the permitted probes are admitted",
        arguments: [(permitted: 1, rates: false), (permitted: 3, rates: true), (permitted: 10, rates: false)]
    )
    func halfOpenAdmitsExactlyThePermittedProbesToThreads(permitted: Int, rates: Bool) throws {
        let (breaker, clock, observer) = try halfOpenFixture(permitted: permitted, rates: rates)
        let callers = 300
        let race = ProbeRace(callers: callers)
        clock.advance(by: .seconds(1))

        startThreads(callers) { _ in
            do {
                try breaker.run {
                    race.admitted()
                    race.waitUntilEveryoneHasTried()
                    race.finished()
                }
            } catch {
                race.rejected(error)
            }
        }.waitBlocking()

        race.check(permitted: permitted, callers: callers)
        #expect(breaker.state == .closed, "every probe succeeded")
        #expect(observer.count(of: .success) == permitted)
        #expect(observer.count(of: .rejected) == callers - permitted)
        #expect(observer.transitions == 2, "open -> half-open -> closed, each once")
    }

    @Test(
        "hundreds of tasks arriving at once in half-open: exactly the permitted probes are admitted",
        arguments: [(permitted: 1, rates: true), (permitted: 4, rates: false), (permitted: 16, rates: true)]
    )
    func halfOpenAdmitsExactlyThePermittedProbesToTasks(permitted: Int, rates: Bool) async throws {
        let (breaker, clock, observer) = try halfOpenFixture(permitted: permitted, rates: rates)
        let callers = 400
        let race = ProbeRace(callers: callers)
        clock.advance(by: .seconds(1))

        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<callers {
                group.addTask {
                    do {
                        try await breaker.run {
                            race.admitted()
                            while !race.everyoneHasTried {
                                await Task.yield()
                            }
                            race.finished()
                        }
                    } catch {
                        race.rejected(error)
                    }
                }
            }
        }

        race.check(permitted: permitted, callers: callers)
        #expect(breaker.state == .closed, "every probe succeeded")
        #expect(observer.count(of: .success) == permitted)
        #expect(observer.count(of: .rejected) == callers - permitted)
        #expect(observer.transitions == 2, "open -> half-open -> closed, each once")
    }

    @Test("probes that end ignored give their permits back, and still no more than the permitted probes are in flight")
    func ignoredProbesReturnPermitsWithoutExceedingTheLimit() throws {
        let permitted = 3
        let threads = 12
        let attemptsPerThread = 400
        let (breaker, clock, observer) = try halfOpenFixture(permitted: permitted, rates: false)
        let inFlight = InFlightGauge()
        let admitted = Atomic(0)
        let rejected = Atomic(0)
        clock.advance(by: .seconds(1))

        startThreads(threads) { _ in
            for _ in 0..<attemptsPerThread {
                do {
                    try breaker.run {
                        inFlight.enter()
                        admitted.add(1, ordering: .relaxed)
                        sched_yield()
                        inFlight.leave()
                        throw CancellationError()
                    }
                } catch is CircuitBreakerError {
                    rejected.add(1, ordering: .relaxed)
                } catch {}
            }
        }.waitBlocking()

        #expect(inFlight.maximum <= permitted)
        #expect(inFlight.maximum >= 1)
        #expect(admitted.load(ordering: .relaxed) + rejected.load(ordering: .relaxed) == threads * attemptsPerThread)
        #expect(observer.count(of: .ignored) == admitted.load(ordering: .relaxed))
        #expect(observer.count(of: .rejected) == rejected.load(ordering: .relaxed))
        let snapshot = breaker.snapshot()
        #expect(snapshot.state == .halfOpen, "an ignored probe says nothing, so the circuit stays half-open")
        #expect(snapshot.probesAdmitted == 0, "every permit was given back")
        #expect(snapshot.probes.calls == 0)
    }

    // MARK: Generations

    @Test("permissions acquired before a reset and recorded after it do not count, while new calls do")
    func permissionsFromBeforeAResetDoNotCount() throws {
        let clock = ManualClock()
        let observer = CountingObserver()
        let breaker = try unreachableThresholdsBreaker(clock: clock, observer: observer)
        let stale = 4_000

        let permissions = Locked<[CircuitBreakerPermission]>([])
        DispatchQueue.concurrentPerform(iterations: stale) { _ in
            let permission = try! breaker.acquirePermission()
            permissions.withLock { $0.append(permission) }
        }
        breaker.forceOpen()
        breaker.reset()
        let old = permissions.withLock { $0 }

        // Old permissions end in failure while new calls succeed, all at once.
        DispatchQueue.concurrentPerform(iterations: 2 * stale) { index in
            if index % 2 == 0 {
                breaker.record(.failure, for: old[index / 2], duration: .seconds(5))
            } else {
                try? breaker.run {}
            }
        }

        let snapshot = breaker.snapshot()
        #expect(snapshot.state == .closed)
        #expect(snapshot.window == WindowCounts(calls: stale, failures: 0, slowCalls: 0))
        #expect(snapshot.consecutiveFailures == 0)
        #expect(observer.count(of: .failure) == stale, "stale outcomes are still observed")
        #expect(observer.count(of: .success) == stale)
    }

    @Test("concurrent failures open the circuit exactly once, on exactly the threshold-th failure")
    func concurrentFailuresTripOnce() throws {
        let threshold = 50
        let observer = CountingObserver()
        let breaker = try CircuitBreaker(
            name: "trip",
            configuration: CircuitBreakerConfiguration(
                consecutiveFailureThreshold: threshold, openDuration: .fixed(.seconds(60))),
            clock: ManualClock(),
            logger: quietLogger,
            observers: [observer]
        )
        let calls = 4_000
        let admitted = Atomic(0)
        let rejected = Atomic(0)

        // Half the callers hold their permission while others fail, so that many outcomes of
        // calls admitted while closed arrive after the circuit has opened.
        let held = Locked<[CircuitBreakerPermission]>([])
        DispatchQueue.concurrentPerform(iterations: calls) { call in
            guard let permission = try? breaker.acquirePermission() else {
                rejected.add(1, ordering: .relaxed)
                return
            }
            admitted.add(1, ordering: .relaxed)
            if call % 2 == 0 {
                held.withLock { $0.append(permission) }
            } else {
                breaker.record(.failure, for: permission)
            }
        }
        let late = held.withLock { $0 }
        DispatchQueue.concurrentPerform(iterations: late.count) { index in
            breaker.record(.failure, for: late[index])
        }

        let snapshot = breaker.snapshot()
        #expect(snapshot.state == .open)
        #expect(observer.transitions == 1)
        #expect(snapshot.window == WindowCounts(calls: threshold, failures: threshold, slowCalls: 0))
        #expect(snapshot.consecutiveFailures == threshold)
        #expect(admitted.load(ordering: .relaxed) + rejected.load(ordering: .relaxed) == calls)
        #expect(observer.count(of: .failure) == admitted.load(ordering: .relaxed), "every admitted call is observed")
        #expect(observer.count(of: .rejected) == rejected.load(ordering: .relaxed))
    }

    @Test("under transitions made concurrently by hand, an outcome counts only if its call was admitted in the current generation")
    func outcomesCountOnlyInTheGenerationThatAdmittedThem() throws {
        let clock = ManualClock()
        let observer = CountingObserver()
        let breaker = try unreachableThresholdsBreaker(clock: clock, observer: observer)
        let workers = 6
        let transitions = 300
        let stepsPerGeneration = 30
        let operations = Atomic(0)
        let transitionsMade = Atomic(0)
        let controllerDone = Atomic(false)
        let logs = Locked<[WorkerLog]>([])

        let done = startThreads(workers + 1) { thread in
            if thread == workers {
                // The controller: a transition by hand once the workers have had half a
                // generation's steps, so that every generation sees calls start and end.
                for round in 0..<transitions {
                    let target = (round * stepsPerGeneration + stepsPerGeneration / 2) * workers
                    while operations.load(ordering: .relaxed) < target {
                        sched_yield()
                    }
                    switch round % 4 {
                    case 0: breaker.forceOpen()
                    case 1: breaker.enableMetricsOnly()
                    case 2: breaker.disable()
                    default: breaker.reset()
                    }
                    transitionsMade.add(1, ordering: .relaxed)
                }
                breaker.reset()
                controllerDone.store(true, ordering: .releasing)
                return
            }
            var log = WorkerLog()
            var outstanding: [CircuitBreakerPermission] = []
            var step = 0
            func work() {
                step += 1
                operations.add(1, ordering: .relaxed)
                if outstanding.count < 16, step % 2 == 0 || outstanding.isEmpty {
                    do {
                        outstanding.append(try breaker.acquirePermission())
                    } catch {
                        log.rejections += 1
                    }
                } else {
                    // Keep some permissions across several transitions: take from either end.
                    let permission = step % 3 == 0 ? outstanding.removeFirst() : outstanding.removeLast()
                    log.record(permission, on: breaker, kind: TwoStepCallKind(call: step * workers + thread))
                }
            }
            while !controllerDone.load(ordering: .acquiring) {
                // No worker runs more than a generation ahead of the controller.
                if step >= (transitionsMade.load(ordering: .relaxed) + 1) * stepsPerGeneration {
                    sched_yield()
                } else {
                    work()
                }
            }
            // Calls in the final generation, the only ones the window may hold.
            for _ in 0..<200 {
                work()
            }
            for (index, permission) in outstanding.enumerated() {
                log.record(permission, on: breaker, kind: TwoStepCallKind(call: index + thread))
            }
            logs.withLock { $0.append(log) }
        }
        done.waitBlocking()

        let finalGeneration = try breaker.acquirePermission().generation
        let records = logs.withLock { $0.flatMap(\.records) }
        let observed = records.filter { $0.permission.state != .disabled }
        let current = records.filter { $0.permission.generation == finalGeneration && $0.completion != .ignored }
        for outcome in [CallOutcome.success, .failure, .timeout, .ignored] {
            #expect(
                observer.count(of: outcome) == observed.filter { $0.completion.outcome == outcome }.count,
                "every \(outcome) is observed once, in whatever generation it ended")
        }
        #expect(observer.count(of: .rejected) == logs.withLock { $0.map(\.rejections).reduce(0, +) })
        #expect(observer.transitions == transitions + 1)

        let snapshot = breaker.snapshot()
        #expect(snapshot.state == .closed)
        #expect(snapshot.window.calls == current.count, "only calls admitted since the last reset count")
        #expect(snapshot.window.failures == current.filter { $0.completion.outcome.isFailure }.count)
        #expect(snapshot.window.slowCalls == current.filter(\.slow).count)
        let stale = observed.filter { $0.permission.generation != finalGeneration }
        #expect(current.count > 0 && stale.count > 0, "calls ended both in the final generation and after it began")
    }
}

// MARK: - Fixtures

private let quietLogger = Logger(label: "concurrency", factory: { _ in SwiftLogNoOpLogHandler() })

/// A closed breaker whose thresholds no test reaches, with a window that holds every call.
private func unreachableThresholdsBreaker(clock: ManualClock, observer: CountingObserver) throws -> CircuitBreaker {
    try CircuitBreaker(
        name: "generations",
        configuration: CircuitBreakerConfiguration(
            consecutiveFailureThreshold: 1_000_000,
            slowCallDurationThreshold: .seconds(1),
            slidingWindow: .countBased(size: 1_000_000)
        ),
        clock: clock,
        logger: quietLogger,
        observers: [observer]
    )
}

/// A breaker that has opened on a failure, one second from admitting `permitted` probes; the
/// observer is added after the trip so that it counts only what follows.
private func halfOpenFixture(permitted: Int, rates: Bool) throws -> (CircuitBreaker, ManualClock, CountingObserver) {
    let clock = ManualClock()
    let breaker = try CircuitBreaker(
        name: "probes",
        configuration: CircuitBreakerConfiguration(
            consecutiveFailureThreshold: 1,
            failureRateThreshold: rates ? 0.5 : nil,
            slowCallRateThreshold: rates ? 0.5 : nil,
            openDuration: .fixed(.seconds(1)),
            permittedCallsInHalfOpen: permitted
        ),
        clock: clock,
        logger: quietLogger
    )
    breaker.record(.failure, for: try breaker.acquirePermission())
    precondition(breaker.state == .open)
    let observer = CountingObserver()
    breaker.addObserver(observer)
    return (breaker, clock, observer)
}

enum ExactCountMode: Sendable, CustomTestStringConvertible {
    case metricsOnly
    case closedBelowEveryThreshold

    var testDescription: String {
        switch self {
        case .metricsOnly: "metrics only"
        case .closedBelowEveryThreshold: "closed, below every threshold"
        }
    }
}

private struct DependencyFailure: Error {}

/// What a call through `run` does, spread evenly over the four ways a call can end there.
private enum RunCallKind {
    case success
    case thrownFailure
    case cancelled
    case failureResult

    init(worker: Int, call: Int) {
        switch (call &* 7 &+ worker) % 4 {
        case 0: self = .success
        case 1: self = .thrownFailure
        case 2: self = .cancelled
        default: self = .failureResult
        }
    }
}

/// What a call through the two-step API does: every completion, fast and slow.
private struct TwoStepCallKind {
    var completion: CallCompletion
    var slow: Bool

    init(call: Int) {
        switch call % 6 {
        case 0: (completion, slow) = (.success, false)
        case 1: (completion, slow) = (.success, true)
        case 2: (completion, slow) = (.failure, false)
        case 3: (completion, slow) = (.timeout, true)
        case 4: (completion, slow) = (.ignored, true)
        default: (completion, slow) = (.failure, true)
        }
    }

    /// Above or below the breakers' one-second slow-call threshold.
    var duration: Duration { slow ? .seconds(2) : .milliseconds(10) }
}

private func runCall(_ breaker: CircuitBreaker, kind: RunCallKind) {
    _ = try? breaker.run(failureWhen: { $0 }) { () throws -> Bool in
        switch kind {
        case .success: return false
        case .thrownFailure: throw DependencyFailure()
        case .cancelled: throw CancellationError()
        case .failureResult: return true
        }
    }
}

private func runCallAsync(_ breaker: CircuitBreaker, kind: RunCallKind) async {
    _ = try? await breaker.run(failureWhen: { $0 }) { () async throws -> Bool in
        switch kind {
        case .success: return false
        case .thrownFailure: throw DependencyFailure()
        case .cancelled: throw CancellationError()
        case .failureResult: return true
        }
    }
}

private func recordCall(_ breaker: CircuitBreaker, kind: TwoStepCallKind) {
    guard let permission = try? breaker.acquirePermission() else { return }
    breaker.record(kind.completion, for: permission, duration: kind.duration)
}

private struct ExpectedCounts {
    var successes = 0
    var failures = 0
    var timeouts = 0
    var ignored = 0
    var slow = 0

    mutating func add(_ kind: RunCallKind) {
        switch kind {
        case .success: successes += 1
        case .thrownFailure, .failureResult: failures += 1
        case .cancelled: ignored += 1
        }
    }

    mutating func add(_ kind: TwoStepCallKind) {
        switch kind.completion {
        case .success: successes += 1
        case .failure: failures += 1
        case .timeout: timeouts += 1
        case .ignored: ignored += 1
        }
        if kind.slow, kind.completion != .ignored { slow += 1 }
    }
}

/// What one worker thread did, for working out afterwards what the breaker must have counted.
private struct WorkerLog {
    struct Record {
        var permission: CircuitBreakerPermission
        var completion: CallCompletion
        var slow: Bool
    }

    var records: [Record] = []
    var rejections = 0

    mutating func record(_ permission: CircuitBreakerPermission, on breaker: CircuitBreaker, kind: TwoStepCallKind) {
        breaker.record(kind.completion, for: permission, duration: kind.duration)
        records.append(Record(permission: permission, completion: kind.completion, slow: kind.slow))
    }
}

// MARK: - Counting

/// Counts outcomes and transitions with atomics, as a metrics binding would.
private final class CountingObserver: CircuitBreakerObserver {
    private let successes = Atomic(0)
    private let failures = Atomic(0)
    private let timeouts = Atomic(0)
    private let ignored = Atomic(0)
    private let rejected = Atomic(0)
    private let transitionCount = Atomic(0)

    func circuitBreaker(_ breaker: CircuitBreaker, didRecord outcome: CallOutcome, duration: Duration) {
        switch outcome {
        case .success: successes.add(1, ordering: .relaxed)
        case .failure: failures.add(1, ordering: .relaxed)
        case .timeout: timeouts.add(1, ordering: .relaxed)
        case .ignored: ignored.add(1, ordering: .relaxed)
        case .rejected: rejected.add(1, ordering: .relaxed)
        }
    }

    func circuitBreaker(_ breaker: CircuitBreaker, didTransition transition: StateTransition) {
        transitionCount.add(1, ordering: .relaxed)
    }

    func count(of outcome: CallOutcome) -> Int {
        switch outcome {
        case .success: successes.load(ordering: .relaxed)
        case .failure: failures.load(ordering: .relaxed)
        case .timeout: timeouts.load(ordering: .relaxed)
        case .ignored: ignored.load(ordering: .relaxed)
        case .rejected: rejected.load(ordering: .relaxed)
        }
    }

    var transitions: Int { transitionCount.load(ordering: .relaxed) }
}

/// The number of operations running at once, and the most there ever were.
private final class InFlightGauge: Sendable {
    private let current = Atomic(0)
    private let peak = Atomic(0)

    func enter() {
        let now = current.add(1, ordering: .relaxed).newValue
        var seen = peak.load(ordering: .relaxed)
        while seen < now {
            let (exchanged, original) = peak.compareExchange(expected: seen, desired: now, ordering: .relaxed)
            if exchanged { break }
            seen = original
        }
    }

    func leave() {
        current.subtract(1, ordering: .relaxed)
    }

    var maximum: Int { peak.load(ordering: .relaxed) }
}

/// Callers racing for half-open probes: each admitted caller holds its probe until every caller
/// has tried, so all probes are in flight together and no late caller finds the circuit closed.
private final class ProbeRace: Sendable {
    let callers: Int
    private let attempts = Atomic(0)
    private let admissions = Atomic(0)
    private let rejections = Atomic(0)
    private let unexpectedErrors = Atomic(0)
    private let inFlight = InFlightGauge()

    init(callers: Int) {
        self.callers = callers
    }

    func admitted() {
        inFlight.enter()
        admissions.add(1, ordering: .relaxed)
        tried()
    }

    func finished() {
        inFlight.leave()
    }

    func rejected(_ error: any Error) {
        if let error = error as? CircuitBreakerError, error.state == .halfOpen {
            rejections.add(1, ordering: .relaxed)
        } else {
            unexpectedErrors.add(1, ordering: .relaxed)
        }
        tried()
    }

    private let everyoneTried = NSCondition()

    var everyoneHasTried: Bool { attempts.load(ordering: .acquiring) == callers }

    /// Blocks the calling thread until every caller has tried.
    func waitUntilEveryoneHasTried() {
        everyoneTried.lock()
        while !everyoneHasTried {
            everyoneTried.wait()
        }
        everyoneTried.unlock()
    }

    private func tried() {
        guard attempts.add(1, ordering: .acquiringAndReleasing).newValue == callers else { return }
        everyoneTried.lock()
        everyoneTried.broadcast()
        everyoneTried.unlock()
    }

    func check(permitted: Int, callers: Int, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(admissions.load(ordering: .relaxed) == permitted, sourceLocation: sourceLocation)
        #expect(inFlight.maximum == permitted, "never more probes in flight than permitted", sourceLocation: sourceLocation)
        #expect(rejections.load(ordering: .relaxed) == callers - permitted, sourceLocation: sourceLocation)
        #expect(unexpectedErrors.load(ordering: .relaxed) == 0, sourceLocation: sourceLocation)
    }
}

// MARK: - Threads

/// A value behind an `NSLock`, which ThreadSanitizer understands on every platform.
private final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value

    init(_ value: Value) {
        self.value = value
    }

    func withLock<Result>(_ body: (inout Value) -> Result) -> Result {
        lock.lock()
        defer { lock.unlock() }
        return body(&value)
    }
}

/// Threads started together; wait for them with `wait()` from a task or `waitBlocking()` from a
/// thread.
private struct StartedThreads {
    let group: DispatchGroup

    func wait() async {
        await withCheckedContinuation { continuation in
            group.notify(queue: .global()) { continuation.resume() }
        }
    }

    func waitBlocking() {
        group.wait()
    }
}

/// Starts `count` Foundation threads running `body` with their index.
@discardableResult
private func startThreads(_ count: Int, _ body: @escaping @Sendable (Int) -> Void) -> StartedThreads {
    let group = DispatchGroup()
    for index in 0..<count {
        group.enter()
        let thread = Thread {
            body(index)
            group.leave()
        }
        thread.start()
    }
    return StartedThreads(group: group)
}

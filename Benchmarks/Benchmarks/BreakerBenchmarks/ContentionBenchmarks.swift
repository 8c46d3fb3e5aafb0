import Benchmark
import Breakwater
import Foundation

/// The same number of successful calls made by one thread, then shared by two. Each sample makes
/// 1,000,000 calls in all, so the reported wall clock is the wall time of the sample divided by
/// every call made on every thread: with no contention, two threads halve it.
func registerContentionBenchmarks() {
    Benchmark(
        "Contention: 1 thread makes all 1M successes on one breaker (ns per call = wall / 1M)",
        configuration: .perCallOnThreads
    ) { benchmark, breaker in
        let calls = benchmark.scaledIterations.count
        onThreads(1) { _ in runSuccesses(on: breaker, count: calls) }
    } setup: {
        try Breakers.closed("contention-one-thread")
    }

    Benchmark(
        "Contention: 2 threads make 500K successes each on one shared breaker (ns per call = wall / 1M)",
        configuration: .perCallOnThreads
    ) { benchmark, breaker in
        let callsPerThread = benchmark.scaledIterations.count / 2
        onThreads(2) { _ in runSuccesses(on: breaker, count: callsPerThread) }
    } setup: {
        try Breakers.closed("contention-shared")
    }

    // The same two, with calls that every one takes the breaker's lock to record.
    Benchmark(
        "Contention: 1 thread makes all 1M successes, time-based window (ns per call = wall / 1M)",
        configuration: .perCallOnThreads
    ) { benchmark, breaker in
        let calls = benchmark.scaledIterations.count
        onThreads(1) { _ in runSuccesses(on: breaker, count: calls) }
    } setup: {
        try Breakers.timeWindowed("contention-time-window-one-thread")
    }

    Benchmark(
        "Contention: 2 threads make 500K successes each on one shared breaker, time-based window (ns per call = wall / 1M)",
        configuration: .perCallOnThreads
    ) { benchmark, breaker in
        let callsPerThread = benchmark.scaledIterations.count / 2
        onThreads(2) { _ in runSuccesses(on: breaker, count: callsPerThread) }
    } setup: {
        try Breakers.timeWindowed("contention-time-window-shared")
    }

    // The control: the same two threads with nothing shared, to tell contention on the breaker
    // apart from what two busy threads cost on this machine.
    Benchmark(
        "Contention: 2 threads make 500K successes each on a breaker per thread (ns per call = wall / 1M)",
        configuration: .perCallOnThreads
    ) { benchmark, breakers in
        let callsPerThread = benchmark.scaledIterations.count / 2
        onThreads(2) { thread in runSuccesses(on: breakers[thread], count: callsPerThread) }
    } setup: {
        [try Breakers.closed("contention-own-0"), try Breakers.closed("contention-own-1")]
    }
}

/// Makes `count` successful calls through `breaker`; one copy of the loop for every thread count.
@inline(never)
func runSuccesses(on breaker: CircuitBreaker, count: Int) {
    for iteration in 0..<count {
        do {
            blackHole(try breaker.run { trivialOperation(iteration) })
        } catch {
            fatalError("a closed breaker rejected a call: \(error)")
        }
    }
}

/// Runs `body` on `threads` threads at once, the calling thread being thread 0, and returns when
/// all have finished.
func onThreads(_ threads: Int, _ body: @escaping @Sendable (_ thread: Int) -> Void) {
    let finished = DispatchSemaphore(value: 0)
    for thread in 1..<threads {
        Thread {
            body(thread)
            finished.signal()
        }.start()
    }
    body(0)
    for _ in 1..<threads {
        finished.wait()
    }
}

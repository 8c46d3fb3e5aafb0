import Benchmark
import Breakwater

/// Calls through a closed circuit: admitted on one atomic load, timed, and recorded.
func registerClosedStateBenchmarks() {
    Benchmark("Closed: run succeeds (no-op observer, SystemClock)") { benchmark, breaker in
        for iteration in benchmark.scaledIterations {
            blackHole(try breaker.run { trivialOperation(iteration) })
        }
    } setup: {
        try Breakers.closed("closed-success")
    }

    Benchmark("Closed: run succeeds, time-based window (counted on a per-thread stripe)") { benchmark, breaker in
        for iteration in benchmark.scaledIterations {
            blackHole(try breaker.run { trivialOperation(iteration) })
        }
    } setup: {
        try Breakers.timeWindowed("closed-time-window")
    }

    Benchmark("Closed: acquirePermission + record(.success)") { benchmark, breaker in
        for iteration in benchmark.scaledIterations {
            let permission = try breaker.acquirePermission()
            blackHole(trivialOperation(iteration))
            breaker.record(.success, for: permission)
        }
    } setup: {
        try Breakers.closed("closed-permission")
    }

    // The operation throws an error boxed beforehand, so the count of mallocs is the breaker's.
    Benchmark("Closed: run throws a counted failure (never trips)") { benchmark, breaker in
        for iteration in benchmark.scaledIterations {
            do {
                blackHole(
                    try breaker.run { () throws -> Int in
                        if trivialOperation(iteration) > 0 { throw boxedOperationFailure }
                        return 0
                    }
                )
            } catch {
                blackHole(error)
            }
        }
    } setup: {
        try Breakers.neverTripping("closed-failure")
    }

    // The success above without one of its parts, to tell what each costs.
    Benchmark("Closed breakdown: run succeeds, no observer") { benchmark, breaker in
        for iteration in benchmark.scaledIterations {
            blackHole(try breaker.run { trivialOperation(iteration) })
        }
    } setup: {
        try Breakers.closed("closed-no-observer", observers: [])
    }

    Benchmark("Closed breakdown: run succeeds, ConstantClock (no clock reads)") { benchmark, breaker in
        for iteration in benchmark.scaledIterations {
            blackHole(try breaker.run { trivialOperation(iteration) })
        }
    } setup: {
        try Breakers.closed("closed-constant-clock", clock: ConstantClock())
    }

    // A timed call: the operation runs in a task of its own, the timer in a child task. The
    // control is the same operation run in a task and awaited, with no breaker and no timer.
    Benchmark("Closed: run(timeout:) succeeds (operation task + timer child task)") { benchmark, breaker in
        for iteration in benchmark.scaledIterations {
            blackHole(try await breaker.run(timeout: .seconds(10)) { trivialOperation(iteration) })
        }
    } setup: {
        try Breakers.closed("closed-timed")
    }

    Benchmark("Baseline: the operation in a task, awaited") { benchmark in
        for iteration in benchmark.scaledIterations {
            blackHole(await Task { trivialOperation(iteration) }.value)
        }
    }
}

import Benchmark
import Breakwater

/// Calls that an open circuit turns away, where a breaker earns its keep under an outage.
func registerRejectionBenchmarks() {
    Benchmark("Open: run rejected, catch as CircuitBreakerError") { benchmark, breaker in
        for iteration in benchmark.scaledIterations {
            do {
                blackHole(try breaker.run { trivialOperation(iteration) })
            } catch let rejection as CircuitBreakerError {
                blackHole(rejection)
            }
        }
    } setup: {
        try Breakers.open("open-run")
    }

    // The same rejection caught as `any Error`: the difference is the cast in the catch above.
    Benchmark("Open: run rejected, catch any Error (no cast)") { benchmark, breaker in
        for iteration in benchmark.scaledIterations {
            do {
                blackHole(try breaker.run { trivialOperation(iteration) })
            } catch {
                blackHole(error)
            }
        }
    } setup: {
        try Breakers.open("open-run-untyped")
    }

    // `do throws(CircuitBreakerError)` keeps the error typed: a plain `do` would box it in an
    // `any Error`, one allocation per rejection in the caller.
    Benchmark("Open: acquirePermission rejected (typed throws)") { benchmark, breaker in
        for _ in benchmark.scaledIterations {
            do throws(CircuitBreakerError) {
                blackHole(try breaker.acquirePermission())
            } catch {
                blackHole(error)
            }
        }
    } setup: {
        try Breakers.open("open-permission")
    }
}

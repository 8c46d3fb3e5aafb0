import Benchmark
import Breakwater

/// Probe admission in a half-open circuit, which is decided under the lock.
func registerHalfOpenBenchmarks() {
    // Recording the probe as ignored returns its permit, so every iteration is one more admission
    // into the same half-open state. The clock is a ManualClock, which reads under a lock of its own.
    Benchmark("HalfOpen: acquirePermission + record(.ignored) (ManualClock)") { benchmark, breaker in
        for iteration in benchmark.scaledIterations {
            let probe = try breaker.acquirePermission()
            blackHole(trivialOperation(iteration))
            breaker.record(.ignored, for: probe)
        }
    } setup: {
        try Breakers.halfOpen("half-open")
    }
}

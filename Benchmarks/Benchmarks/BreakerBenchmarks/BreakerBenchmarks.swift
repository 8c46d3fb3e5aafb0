import Benchmark
import Foundation

/// Every benchmark of the suite. Each one runs its call `scaledIterations` times per sample, so the
/// reported wall clock, CPU time and malloc count are per call.
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .perCall
    registerBaselineBenchmarks()
    registerClosedStateBenchmarks()
    registerRejectionBenchmarks()
    registerHalfOpenBenchmarks()
    registerContentionBenchmarks()
    registerMetricsBenchmarks()
    registerExemplarBenchmarks()
}

extension Benchmark.Configuration {
    /// Calls of tens of nanoseconds: 1,000 calls a sample amortize the cost of taking the sample.
    /// No CPU time: the system counts it in ticks of several milliseconds, longer than a sample.
    static var perCall: Self {
        Self(
            metrics: [.wallClock, .mallocCountTotal],
            timeUnits: .nanoseconds,
            warmupIterations: 100,
            scalingFactor: .kilo,
            maxDuration: .seconds(2),
            maxIterations: 1_000_000
        ).runningOnceWhenAsked()
    }

    /// Calls spread over threads: 1,000,000 calls a sample, so starting a thread costs nothing per call.
    static var perCallOnThreads: Self {
        Self(
            metrics: [.wallClock, .cpuTotal, .mallocCountTotal],
            timeUnits: .nanoseconds,
            warmupIterations: 2,
            scalingFactor: .mega,
            maxDuration: .seconds(4),
            maxIterations: 200
        ).runningOnceWhenAsked()
    }

    /// This configuration, or, when `BREAKWATER_BENCHMARKS_ONCE` is set (`Scripts/test` sets it),
    /// one iteration without warm-up: every benchmark runs and is checked, nothing is measured.
    func runningOnceWhenAsked() -> Self {
        guard ProcessInfo.processInfo.environment["BREAKWATER_BENCHMARKS_ONCE"] != nil else { return self }
        var once = self
        once.warmupIterations = 0
        once.maxIterations = 1
        return once
    }
}

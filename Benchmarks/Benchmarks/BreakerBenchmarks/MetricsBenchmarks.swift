import Benchmark
import Breakwater
import BreakwaterMetrics
import Prometheus

/// BreakwaterMetrics beside swift-prometheus 2, in the same run: each pair updates or writes the
/// same series, with the same names, labels and buckets.
func registerMetricsBenchmarks() {
    registerSeriesUpdateBenchmarks()
    registerBoundBreakerBenchmarks()
    registerRenderBenchmarks()
}

/// One update of a series held by the caller, as the call path holds it.
private func registerSeriesUpdateBenchmarks() {
    Benchmark("Metrics: counter increment, Breakwater CounterSeries") { benchmark, counter in
        for _ in benchmark.scaledIterations {
            counter.increment()
        }
    } setup: {
        try HeldSeries.breakwaterCounter()
    }

    Benchmark("Metrics: counter increment, swift-prometheus Counter") { benchmark, counter in
        for _ in benchmark.scaledIterations {
            counter.increment()
        }
    } setup: {
        HeldSeries.prometheusCounter()
    }

    // Both histograms have the 13 bounds of HistogramBuckets.latency; Breakwater counts the one
    // bucket a value falls in with an atomic add, swift-prometheus every bucket at or above it
    // under a lock.
    Benchmark("Metrics: histogram observe, Breakwater HistogramSeries (13 buckets)") { benchmark, histogram in
        let latencies = HeldSeries.latencies
        for iteration in benchmark.scaledIterations {
            histogram.observe(latencies[iteration & 15])
        }
    } setup: {
        try HeldSeries.breakwaterHistogram()
    }

    Benchmark("Metrics: histogram observe, swift-prometheus ValueHistogram (13 buckets)") { benchmark, histogram in
        let latencies = HeldSeries.latencies
        for iteration in benchmark.scaledIterations {
            histogram.record(latencies[iteration & 15])
        }
    } setup: {
        HeldSeries.prometheusHistogram()
    }
}

/// The success of `Closed: run succeeds (no-op observer, SystemClock)` with the breaker metrics
/// binding as the breaker's only observer: read it against that benchmark and the baseline.
private func registerBoundBreakerBenchmarks() {
    Benchmark("Metrics: run succeeds, breaker metrics bound (registry, SystemClock)") { benchmark, breaker in
        for iteration in benchmark.scaledIterations {
            blackHole(try breaker.run { trivialOperation(iteration) })
        }
    } setup: {
        try Breakers.withMetrics(HeldSeries.circuit)
    }

    // The same call with the breaker metrics recorded through swift-metrics instead: counters and
    // a timer per call, and the snapshot gauges refreshed at most once a second.
    Benchmark("Metrics: run succeeds, swift-metrics binding to swift-prometheus (registry, SystemClock)") { benchmark, breaker in
        for iteration in benchmark.scaledIterations {
            blackHole(try breaker.run { trivialOperation(iteration) })
        }
    } setup: {
        try Breakers.withSwiftMetrics(HeldSeries.circuit)
    }

    // A breaker per tenant: made, called once and removed, its ~79 series bound and unbound in a
    // collector that holds 1,000 other breakers' series.
    Benchmark("Metrics: a breaker made, called and removed, metrics bound beside 1,000 others") {
        benchmark, registry in
        for iteration in benchmark.scaledIterations {
            let tenant = try registry.breaker(named: "tenant")
            blackHole(try tenant.run { trivialOperation(iteration) })
            registry.remove(named: "tenant")
        }
    } setup: {
        try Breakers.withMetrics(boundBeside: 1_000)
    }
}

/// A whole scrape of 1,000 breakers' metrics into a buffer kept from the scrape before, as a
/// `/metrics` handler would write it.
private func registerRenderBenchmarks() {
    // The collector reads every breaker's snapshot into its gauges, then writes every family.
    Benchmark("Metrics render: 1,000 breakers, Breakwater render(.prometheusText)", configuration: .perRender) {
        benchmark, scrape in
        scrape.buffer.bytes.removeAll(keepingCapacity: true)
        scrape.fleet.collector.render(.prometheusText, into: &scrape.buffer.bytes)
        benchmark.stopMeasurement()
        benchmark.measurement(.renderedBytes, scrape.buffer.bytes.count)
    } setup: {
        (fleet: try BreakerFleet(), buffer: ScrapeBuffer())
    }

    // The same series, their gauges set once beforehand: the emit alone.
    Benchmark("Metrics render: 1,000 breakers, swift-prometheus emit(into:)", configuration: .perRender) {
        benchmark, scrape in
        scrape.buffer.bytes.removeAll(keepingCapacity: true)
        scrape.fleet.prometheus.emit(into: &scrape.buffer.bytes)
        benchmark.stopMeasurement()
        benchmark.measurement(.renderedBytes, scrape.buffer.bytes.count)
    } setup: {
        (fleet: try BreakerFleet(), buffer: ScrapeBuffer())
    }

    // What Breakwater's render does, done by hand: swift-prometheus has no hook that runs before
    // an emit, so an application reads the snapshots into the gauges itself.
    Benchmark(
        "Metrics render: 1,000 breakers, swift-prometheus gauges set from snapshots + emit(into:)",
        configuration: .perRender
    ) { benchmark, scrape in
        scrape.buffer.bytes.removeAll(keepingCapacity: true)
        scrape.fleet.updatePrometheusGauges()
        scrape.fleet.prometheus.emit(into: &scrape.buffer.bytes)
        benchmark.stopMeasurement()
        benchmark.measurement(.renderedBytes, scrape.buffer.bytes.count)
    } setup: {
        (fleet: try BreakerFleet(), buffer: ScrapeBuffer())
    }
}

extension BenchmarkMetric {
    /// The size of one exposition, to check that both libraries wrote about as much.
    static var renderedBytes: Self {
        .custom("Bytes rendered", polarity: .prefersSmaller, useScalingFactor: false)
    }
}

extension Benchmark.Configuration {
    /// One scrape per iteration, of a few milliseconds: no scaling. The warm-up scrapes grow the
    /// buffer to the size of an exposition, so the measured ones show what a scrape allocates
    /// once the buffer has room.
    static var perRender: Self {
        Self(
            metrics: [.wallClock, .mallocCountTotal, .renderedBytes],
            timeUnits: .microseconds,
            units: [.renderedBytes: .count],
            warmupIterations: 10,
            scalingFactor: .one,
            maxDuration: .seconds(15),
            maxIterations: 300
        ).runningOnceWhenAsked()
    }
}

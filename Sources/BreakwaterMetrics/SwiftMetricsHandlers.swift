import CoreMetrics

// The handlers the collector gives swift-metrics, each around one series. They are apart from
// the series so that `gauge.set(12)` stays unambiguous for the collector's own users.

final class CounterAdapter: CounterHandler {
    let counter: CounterSeries

    init(_ counter: CounterSeries) {
        self.counter = counter
    }

    /// Adds `amount`; a negative amount is ignored, since a counter never goes down.
    func increment(by amount: Int64) {
        guard amount > 0 else { return }
        counter.increment(by: UInt64(amount))
    }

    /// Sets the count back to zero, which Prometheus reads as a counter reset.
    func reset() {
        counter.store(0)
    }
}

final class FloatingCounterAdapter: FloatingPointCounterHandler {
    let counter: FloatingCounterSeries

    init(_ counter: FloatingCounterSeries) {
        self.counter = counter
    }

    func increment(by amount: Double) {
        counter.increment(by: amount)
    }

    func reset() {
        counter.store(0)
    }
}

final class GaugeAdapter: MeterHandler, RecorderHandler {
    let gauge: GaugeSeries

    init(_ gauge: GaugeSeries) {
        self.gauge = gauge
    }

    func set(_ value: Int64) { gauge.set(Double(value)) }
    func set(_ value: Double) { gauge.set(value) }
    func increment(by amount: Double) { gauge.increment(by: amount) }
    func decrement(by amount: Double) { gauge.decrement(by: amount) }
    func record(_ value: Int64) { gauge.set(Double(value)) }
    func record(_ value: Double) { gauge.set(value) }
}

final class HistogramAdapter: RecorderHandler, TimerHandler {
    let histogram: HistogramSeries

    init(_ histogram: HistogramSeries) {
        self.histogram = histogram
    }

    func record(_ value: Int64) { histogram.observe(Double(value)) }
    func record(_ value: Double) { histogram.observe(value) }

    /// Observes the duration in seconds, Prometheus's base unit for time.
    func recordNanoseconds(_ duration: Int64) {
        histogram.observe(Double(duration) / 1e9)
    }
}

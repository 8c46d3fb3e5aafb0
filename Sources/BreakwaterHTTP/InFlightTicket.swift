import BreakwaterMetrics

/// Counts one response in the listener's in-flight gauge from its routing until it is written or
/// dropped, whichever comes first: the count goes down when the last reference goes.
final class InFlightTicket: Sendable {
    private let gauge: GaugeSeries

    /// Counts a response in `gauge`.
    init(_ gauge: GaugeSeries) {
        self.gauge = gauge
        gauge.increment()
    }

    deinit {
        gauge.decrement()
    }
}

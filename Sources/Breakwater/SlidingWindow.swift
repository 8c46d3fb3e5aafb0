/// The calls over which a breaker computes its failure and slow-call rates.
public enum SlidingWindow: Sendable, Hashable {
    /// The last `size` calls.
    case countBased(size: Int)

    /// The calls of the last `duration`, aggregated in `buckets` equal slices of it.
    ///
    /// Recording a call is O(1) and the memory is `buckets` counters, whatever the call volume.
    /// The window moves one slice at a time, so it spans between `duration - duration / buckets`
    /// and `duration` of calls.
    case timeBased(duration: Duration, buckets: Int = 10)
}

extension SlidingWindow {
    /// The window's size as the metrics contract exports it (`circuit_breaker_window_size`): its
    /// unit, `calls` or `seconds`, and how many.
    package var exportedSize: (unit: String, size: Double) {
        switch self {
        case .countBased(let size): ("calls", Double(size))
        case .timeBased(let duration, _): ("seconds", duration.seconds)
        }
    }
}

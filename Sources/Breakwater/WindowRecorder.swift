/// The sliding window a configuration asks for, behind one interface.
///
/// Two optionals rather than an enum with payloads: mutating an optional in place keeps its
/// ring uniquely referenced, where rebinding an enum payload would copy it on every call.
struct WindowRecorder {
    private var countWindow: CountWindow?
    private var timeWindow: TimeWindow?

    init(_ window: SlidingWindow) {
        switch window {
        case .countBased(let size):
            countWindow = CountWindow(size: size)
        case .timeBased(let duration, let buckets):
            timeWindow = TimeWindow(duration: duration, buckets: buckets)
        }
    }

    var counts: WindowCounts {
        countWindow?.counts ?? timeWindow?.counts ?? WindowCounts()
    }

    /// Whether the window is count-based, full, and holds no failure and no slow call.
    var isFullOfFastSuccesses: Bool {
        countWindow?.isFullOfFastSuccesses ?? false
    }

    /// Whether the window is time-based.
    var isTimeBased: Bool { timeWindow != nil }

    /// A time-based window's slice width in nanoseconds.
    var sliceWidth: Int64? { timeWindow?.sliceWidth }

    /// A time-based window's newest slice.
    var headSlice: Int64? { timeWindow?.headSlice }

    /// Adds successes counted off the lock to a time-based window; see
    /// ``TimeWindow/addSuccesses(_:sliceTag:mask:)``.
    mutating func addSuccesses(_ count: Int, sliceTag: Int64, mask: Int64) {
        timeWindow?.addSuccesses(count, sliceTag: sliceTag, mask: mask)
    }

    mutating func record(_ sample: WindowSample, at instant: BreakerInstant) {
        countWindow?.record(sample)
        timeWindow?.record(sample, at: instant)
    }

    /// Drops what has aged out of a time-based window by `instant`.
    mutating func advance(to instant: BreakerInstant) {
        timeWindow?.advance(to: instant)
    }

    mutating func reset() {
        countWindow?.reset()
        timeWindow?.reset()
    }
}

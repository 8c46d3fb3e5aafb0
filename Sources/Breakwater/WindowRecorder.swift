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

/// The calls of the last `duration`, in a ring of per-slice counters allocated once.
///
/// Slice `e` covers instants from `e × width` up to `(e + 1) × width`; the window holds the
/// slices from `head - buckets + 1` through `head`. Moving the head clears only the slices it
/// passes, so recording is O(1) amortised.
struct TimeWindow {
    private var buckets: [WindowCounts]
    private let width: Int64
    private var head: Int64 = .min
    private(set) var counts = WindowCounts()

    init(duration: Duration, buckets count: Int) {
        buckets = Array(repeating: WindowCounts(), count: count)
        width = duration.nanoseconds / Int64(count)
    }

    /// The width of a slice in nanoseconds.
    var sliceWidth: Int64 { width }

    /// The newest slice, or `nil` before the first call.
    var headSlice: Int64? { head == .min ? nil : head }

    /// Adds `count` successes that were neither slow nor failed to the slice whose number ends in
    /// `sliceTag` (its low bits under `mask`), the newest slice with those bits at or before the
    /// head; dropped when that slice has left the window.
    mutating func addSuccesses(_ count: Int, sliceTag: Int64, mask: Int64) {
        guard head != .min else { return }
        let slice = head - ((head - sliceTag) & mask)
        guard head - slice < Int64(buckets.count) else { return }
        buckets[index(slice)].calls += count
        counts.calls += count
    }

    mutating func record(_ sample: WindowSample, at instant: BreakerInstant) {
        advance(to: instant)
        // A call that ended just before another thread moved the head still lands in the newest
        // slice: off by at most one slice, never lost.
        buckets[index(head)].add(sample)
        counts.add(sample)
    }

    /// Drops the slices that have left the window by `instant`.
    mutating func advance(to instant: BreakerInstant) {
        let epoch = instant.nanoseconds.dividedRoundingDown(by: width)
        guard epoch > head else { return }
        if head == .min || epoch - head >= Int64(buckets.count) {
            reset()
        } else {
            for passed in (head + 1)...epoch {
                counts.subtract(buckets[index(passed)])
                buckets[index(passed)] = WindowCounts()
            }
        }
        head = epoch
    }

    mutating func reset() {
        for index in buckets.indices {
            buckets[index] = WindowCounts()
        }
        counts = WindowCounts()
    }

    private func index(_ epoch: Int64) -> Int {
        Int(epoch.modulo(Int64(buckets.count)))
    }
}

extension Int64 {
    fileprivate func dividedRoundingDown(by divisor: Int64) -> Int64 {
        let quotient = self / divisor
        return (self % divisor < 0) ? quotient - 1 : quotient
    }

    fileprivate func modulo(_ divisor: Int64) -> Int64 {
        let remainder = self % divisor
        return remainder < 0 ? remainder + divisor : remainder
    }
}

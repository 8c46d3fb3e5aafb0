/// The last `size` calls, in a ring of two-bit samples allocated once.
struct CountWindow {
    private var ring: [UInt8]
    private var next = 0
    private var filled = 0
    private(set) var counts = WindowCounts()

    init(size: Int) {
        ring = Array(repeating: 0, count: size)
    }

    /// Whether the window is full and holds no failure and no slow call.
    var isFullOfFastSuccesses: Bool {
        filled == ring.count && counts.failures == 0 && counts.slowCalls == 0
    }

    mutating func record(_ sample: WindowSample) {
        if filled == ring.count {
            counts.subtract(WindowSample(bits: ring[next]).counts)
        } else {
            filled += 1
        }
        ring[next] = sample.bits
        counts.add(sample)
        next = next + 1 == ring.count ? 0 : next + 1
    }

    mutating func reset() {
        next = 0
        filled = 0
        counts = WindowCounts()
    }
}

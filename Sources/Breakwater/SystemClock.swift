#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The operating system's monotonic clock: the default ``BreakerClock``.
///
/// ``now`` reads `CLOCK_MONOTONIC` (about 23 ns here); ``coarseNow`` reads
/// `CLOCK_MONOTONIC_COARSE` on Linux (about 5 ns, a few milliseconds of resolution), which is
/// all an open circuit needs to know whether its wait is over.
public struct SystemClock: BreakerClock {
    /// Creates the system clock.
    public init() {}

    public var now: BreakerInstant {
        BreakerInstant(nanoseconds: Self.read(CLOCK_MONOTONIC))
    }

    public var coarseNow: BreakerInstant {
        #if os(Linux)
        BreakerInstant(nanoseconds: Self.read(CLOCK_MONOTONIC_COARSE))
        #else
        now
        #endif
    }

    public var unixTime: Double {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }

    public func sleep(until deadline: BreakerInstant) async throws {
        let remaining = now.duration(to: deadline)
        if remaining > .zero {
            try await TimerSleep.sleep(for: remaining)
        }
        try Task.checkCancellation()
    }

    private static func read(_ clock: clockid_t) -> Int64 {
        var time = timespec()
        clock_gettime(clock, &time)
        return Int64(time.tv_sec) &* 1_000_000_000 &+ Int64(time.tv_nsec)
    }
}

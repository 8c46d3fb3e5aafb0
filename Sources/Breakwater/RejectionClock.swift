/// A breaker's clock as its errors refer to it: a number, so that copying and throwing a
/// rejection costs no more than its other fields. 0 is the system clock; any other clock is
/// registered while its breaker lives, and an error that outlives it no longer knows its wait.
struct RejectionClock: Sendable {
    private let id: UInt64

    private static let registered = Guarded<(clocks: [UInt64: any BreakerClock], last: UInt64)>(([:], 0))

    /// The system clock.
    static let system = RejectionClock(id: 0)

    private init(id: UInt64) {
        self.id = id
    }

    /// Registers `clock` until ``unregister()``; the system clock needs no registration.
    static func register(_ clock: any BreakerClock) -> RejectionClock {
        guard !(clock is SystemClock) else { return .system }
        return registered.withLock { registered in
            registered.last += 1
            registered.clocks[registered.last] = clock
            return RejectionClock(id: registered.last)
        }
    }

    func unregister() {
        guard id != 0 else { return }
        _ = Self.registered.withLock { $0.clocks.removeValue(forKey: id) }
    }

    /// The clock's time now; `nil` when its breaker is gone.
    var now: BreakerInstant? {
        guard id != 0 else { return SystemClock().now }
        return Self.registered.withLock { $0.clocks[id] }?.now
    }
}

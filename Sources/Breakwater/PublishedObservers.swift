import Synchronization

/// A breaker's current ``ObserverList``, which every call reads without a lock and without
/// retaining it, and how the lists it replaces are known to be no longer read.
///
/// Retaining the list on every call would make calls on different cores take turns on its
/// reference count. Instead a call announces itself in a per-thread counter while it reads the
/// list, and a replaced list is released only after a grace period: the scheme of sleepable RCU,
/// with two sets of counters. A reader counts itself in the set that ``epoch`` names, then loads
/// the list. Moving the epoch on requires every reader of the other set to be gone; a list
/// replaced in epoch *e* is no longer read once the epoch reaches *e* + 2. Counters and the list
/// are read and written in sequentially consistent order, so a reader that counted itself too late
/// to be seen loads the newer list.
///
/// The owner keeps each list alive with a strong reference, and the replaced ones in
/// ``Retired`` until ``reclaim(_:)`` lets them go, under the owner's lock.
final class PublishedObservers: Sendable {
    /// Readers in the even epoch in the low 32 bits, in the odd epoch in the high 32 bits.
    private let readers = PerThreadCells()
    private let epoch = Atomic<UInt64>(0)
    private let current: Atomic<Unmanaged<ObserverList>>

    /// The lists replaced and not yet released, with the epoch each was replaced in.
    struct Retired {
        fileprivate var lists: [(list: ObserverList, epoch: UInt64)] = []

        var count: Int { lists.count }
    }

    /// Publishes `list`, which the owner keeps alive until it replaces it.
    init(_ list: ObserverList) {
        current = Atomic(Unmanaged.passUnretained(list))
    }

    /// Runs `body` with the current list, which stays alive until `body` returns.
    @inline(__always)
    func read<Result>(_ body: (ObserverList) -> Result) -> Result {
        let unit: UInt64 = epoch.load(ordering: .sequentiallyConsistent) & 1 == 0 ? 1 : 1 << 32
        let cell = PerThreadCells.index()
        readers.withCell(cell) { _ = $0.wrappingAdd(unit, ordering: .sequentiallyConsistent) }
        defer { readers.withCell(cell) { _ = $0.wrappingSubtract(unit, ordering: .releasing) } }
        return current.load(ordering: .sequentiallyConsistent)._withUnsafeGuaranteedRef(body)
    }

    /// Publishes `list` in place of `replaced`, which joins `retired`. Under the owner's lock.
    func publish(_ list: ObserverList, replacing replaced: ObserverList, retired: inout Retired) {
        current.store(Unmanaged.passUnretained(list), ordering: .sequentiallyConsistent)
        retired.lists.append((replaced, epoch.load(ordering: .relaxed)))
    }

    /// Takes out of `retired` the lists no reader can still be reading, for the owner to release
    /// after its lock: at once when no call is reading. Under the owner's lock.
    func reclaim(_ retired: inout Retired) -> [ObserverList] {
        var released: [ObserverList] = []
        while let oldest = retired.lists.first {
            let now = epoch.load(ordering: .relaxed)
            if oldest.epoch &+ 2 <= now {
                released.append(contentsOf: retired.lists.lazy.filter { $0.epoch &+ 2 <= now }.map(\.list))
                retired.lists.removeAll { $0.epoch &+ 2 <= now }
                continue
            }
            // The set the epoch is not in now: its readers started before the last move.
            let shift: UInt64 = now & 1 == 0 ? 32 : 0
            for index in 0..<PerThreadCells.count {
                let count = readers.withCell(index) { $0.load(ordering: .sequentiallyConsistent) } >> shift & 0xFFFF_FFFF
                guard count == 0 else { return released }
            }
            epoch.store(now &+ 1, ordering: .sequentiallyConsistent)
        }
        return released
    }
}

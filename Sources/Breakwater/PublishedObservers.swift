import CBreakwaterThreads
import Synchronization

/// A breaker's current ``ObserverList``, which every call reads without a lock and without
/// retaining it, and the lists it replaced, kept until no call can still be reading them.
///
/// Retaining the list on every call would make calls on different cores take turns on its
/// reference count; counting readers in shared counters would cost two atomic read-modify-writes
/// per call. Instead a call marks its read in a slot of its thread's own (`CBreakwaterThreads`), and
/// a replaced list is released once no read that began before the replacement goes on: at once
/// when no call is reading, otherwise at a later change or snapshot.
///
/// The owner keeps the current list alive with a strong reference, and the replaced ones in
/// ``Retired`` until ``reclaim(_:)`` lets them go, under the owner's lock.
final class PublishedObservers: Sendable {
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
        let reading = breakwater_begin_reading()
        defer { breakwater_end_reading(reading) }
        return current.load(ordering: .sequentiallyConsistent)._withUnsafeGuaranteedRef(body)
    }

    /// Publishes `list` in place of `replaced`, which joins `retired`. Under the owner's lock.
    func publish(_ list: ObserverList, replacing replaced: ObserverList, retired: inout Retired) {
        current.store(Unmanaged.passUnretained(list), ordering: .sequentiallyConsistent)
        retired.lists.append((replaced, breakwater_retire_reading_epoch()))
    }

    /// Takes out of `retired` the lists no call can still be reading, for the owner to release
    /// after its lock. Under the owner's lock.
    func reclaim(_ retired: inout Retired) -> [ObserverList] {
        var released: [ObserverList] = []
        retired.lists.removeAll { entry in
            guard !breakwater_is_reading_since(entry.epoch) else { return false }
            released.append(entry.list)
            return true
        }
        return released
    }
}

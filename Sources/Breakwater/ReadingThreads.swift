import CBreakwaterThreads

/// Which threads are reading a published observer list now: how ``PublishedObservers`` knows when
/// a list it replaced can be released, at the cost of two plain stores per read.
///
/// Each thread that reads takes a slot of its own, which only it writes: the process's epoch when
/// its read began, or 0 while it reads nothing. A writer that replaces a list moves the epoch on
/// and then makes every thread of the process run a full memory barrier (Linux's `membarrier`), so
/// each reader has either published its slot, which the writer will see, or will load the new
/// list; the reader itself needs no barrier (the asymmetric fences of liburcu's `memb` flavour).
/// Where that system call is missing or forbidden, readers publish their slots with a
/// sequentially consistent store instead. A list replaced in epoch *e* is released once no slot
/// shows a read that began in *e* or before. Slots are given back when their thread exits; past
/// 256 threads reading at once, the others count themselves in one shared slot.
///
/// The slots live in C (`CBreakwaterThreads`), as plain globals and a thread-local pointer: a
/// Swift global is initialized lazily, and its check on every read cost more than the read.
enum ReadingThreads {
    /// Begins a read on the calling thread; pass the result to ``end(_:)``.
    @inline(__always)
    static func begin() -> UnsafeMutablePointer<breakwater_reading_slot_t> {
        breakwater_begin_reading()
    }

    /// Ends the read that `begin()` began.
    @inline(__always)
    static func end(_ slot: UnsafeMutablePointer<breakwater_reading_slot_t>) {
        breakwater_end_reading(slot)
    }

    /// Moves the epoch on after a list was replaced, and returns the epoch the replaced list
    /// belongs to. The new list must be published before.
    static func retire() -> UInt64 {
        breakwater_retire_reading_epoch()
    }

    /// Whether a read that began in `epoch` or before may still be going on.
    static func isReading(since epoch: UInt64) -> Bool {
        breakwater_is_reading_since(epoch)
    }
}

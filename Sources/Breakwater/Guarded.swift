import Synchronization

/// A `Mutex` whose hand-offs ThreadSanitizer can see.
///
/// On Linux, a contended `Mutex` waits in the toolchain's uninstrumented `Synchronization`
/// library, so ThreadSanitizer misses the ordering the lock provides and reports the protected
/// state as racing. Each critical section here also begins with an acquiring load and ends with a
/// releasing store of one atomic, which orders consecutive sections for the sanitizer. On x86-64
/// and arm64 both are plain loads and stores, on a line the lock has just claimed.
package struct Guarded<Value: ~Copyable>: ~Copyable, Sendable {
    /// Before the mutex, on the cache line its lock word is on.
    private let handOff = Atomic<UInt8>(0)
    private let mutex: Mutex<Value>

    package init(_ value: consuming sending Value) {
        mutex = Mutex(value)
    }

    /// Runs `body` with exclusive access to the value.
    package borrowing func withLock<Result: ~Copyable, E: Error>(
        _ body: (inout sending Value) throws(E) -> sending Result
    ) throws(E) -> sending Result {
        try mutex.withLock { (value: inout sending Value) throws(E) -> sending Result in
            _ = handOff.load(ordering: .acquiring)
            defer { handOff.store(0, ordering: .releasing) }
            return try body(&value)
        }
    }
}

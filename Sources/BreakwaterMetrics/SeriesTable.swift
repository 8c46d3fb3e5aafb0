import Breakwater

/// The series of one family, kept sorted by label values so that a scrape renders them in order
/// without sorting.
///
/// Looking a series up takes the family's lock and a binary search: the call path does it once
/// and keeps the series it gets.
final class SeriesTable<Series: AnyObject & Sendable>: Sendable {
    private struct Entry {
        let sortKey: [String]
        let series: Series
    }

    let metric: String
    let schema: LabelSchema
    private let entries = Guarded<[Entry]>([])

    init(metric: String, schema: LabelSchema) {
        self.metric = metric
        self.schema = schema
    }

    /// The series for `values`, made by `make` from its rendered label pairs if it is new.
    func series(for values: [String], make: ([UInt8]) -> Series) throws(MetricsRegistrationError) -> Series {
        try schema.check(values, of: metric)
        return series(sortKey: schema.sortKey(values)) { make(schema.renderPairs(values)) }
    }

    /// The series whose sort key is `key`, made by `make` if it is new. The key must order the
    /// series as their rendered labels should.
    func series(sortKey key: [String], make: () -> Series) -> Series {
        entries.withLock { entries in
            let index = Self.insertionIndex(of: key, in: entries)
            if index < entries.count, Self.equal(entries[index].sortKey, key) {
                return entries[index].series
            }
            let series = make()
            entries.insert(Entry(sortKey: key, series: series), at: index)
            return series
        }
    }

    /// Removes the series for `values`; returns whether there was one.
    @discardableResult
    func remove(_ values: [String]) -> Bool {
        guard values.count == schema.names.count else { return false }
        return remove(sortKey: schema.sortKey(values))
    }

    /// Removes the series whose sort key is `key`; returns whether there was one.
    @discardableResult
    func remove(sortKey key: [String]) -> Bool {
        entries.withLock { entries in
            let index = Self.insertionIndex(of: key, in: entries)
            guard index < entries.count, Self.equal(entries[index].sortKey, key) else { return false }
            entries.remove(at: index)
            return true
        }
    }

    /// Calls `body` with every series in label-value order, under the lock: a series added
    /// meanwhile waits for the scrape to finish.
    func forEach(_ body: (Series) -> Void) {
        entries.withLock { entries in
            entries.withUnsafeBufferPointer { entries in
                for index in entries.indices {
                    body(entries[index].series)
                }
            }
        }
    }

    var count: Int {
        entries.withLock { $0.count }
    }

    // Label values compare as bytes, as Prometheus compares them: Swift's `==` on strings would
    // take two spellings of "é" for the same value and merge two series Prometheus keeps apart.

    private static func equal(_ left: [String], _ right: [String]) -> Bool {
        left.elementsEqual(right) { $0.utf8.elementsEqual($1.utf8) }
    }

    private static func precedes(_ left: [String], _ right: [String]) -> Bool {
        left.lexicographicallyPrecedes(right) { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }

    private static func insertionIndex(of key: [String], in entries: [Entry]) -> Int {
        var low = 0
        var high = entries.count
        while low < high {
            let middle = (low + high) / 2
            if Self.precedes(entries[middle].sortKey, key) {
                low = middle + 1
            } else {
                high = middle
            }
        }
        return low
    }
}

import Breakwater

/// The order the status page and `/circuits` list circuits in: those that need attention first,
/// the most urgent state first, then by name in natural order (`synthetic-2` before
/// `synthetic-10`).
enum CircuitOrder {
    /// Whether `left` comes before `right`.
    static func precedes(_ left: CircuitStatus, _ right: CircuitStatus) -> Bool {
        let (leftRank, rightRank) = (rank(left.state), rank(right.state))
        if leftRank != rightRank { return leftRank < rightRank }
        return naturallyPrecedes(left.name, right.name)
    }

    /// The states from the most urgent: a circuit that tripped by itself, one probing its way
    /// back, then the states somebody set by hand, and closed last.
    static let statesByUrgency: [CircuitState] = [.open, .halfOpen, .forcedOpen, .disabled, .metricsOnly, .closed]

    private static func rank(_ state: CircuitState) -> Int {
        statesByUrgency.firstIndex(of: state) ?? statesByUrgency.count
    }

    /// Whether `left` sorts before `right` when runs of ASCII digits compare as numbers and
    /// everything else byte by byte; names equal that way (`a01`, `a1`) fall back to byte order,
    /// so the order is total.
    static func naturallyPrecedes(_ left: String, _ right: String) -> Bool {
        let (a, b) = (Array(left.utf8), Array(right.utf8))
        var (i, j) = (0, 0)
        while i < a.count, j < b.count {
            if isDigit(a[i]), isDigit(b[j]) {
                let (leftRun, nextI) = digitRun(a, from: i)
                let (rightRun, nextJ) = digitRun(b, from: j)
                // Without leading zeros, a longer run is a larger number; equal lengths compare
                // digit by digit. Runs of any length work, with no integer to overflow.
                if leftRun.count != rightRun.count { return leftRun.count < rightRun.count }
                if leftRun != rightRun { return leftRun.lexicographicallyPrecedes(rightRun) }
                (i, j) = (nextI, nextJ)
            } else {
                if a[i] != b[j] { return a[i] < b[j] }
                (i, j) = (i + 1, j + 1)
            }
        }
        // One ran out: a prefix comes first. Both did: equal but for leading zeros, byte order.
        let (leftEnded, rightEnded) = (i == a.count, j == b.count)
        if leftEnded != rightEnded { return leftEnded }
        return a.lexicographicallyPrecedes(b)
    }

    private static func isDigit(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }

    /// The digits from `start` without leading zeros, and the index after the run.
    private static func digitRun(_ bytes: [UInt8], from start: Int) -> (ArraySlice<UInt8>, Int) {
        var end = start
        while end < bytes.count, isDigit(bytes[end]) { end += 1 }
        var first = start
        while first < end - 1, bytes[first] == UInt8(ascii: "0") { first += 1 }
        return (bytes[first..<end], end)
    }
}

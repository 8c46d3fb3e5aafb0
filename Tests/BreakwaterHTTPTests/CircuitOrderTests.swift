import Breakwater
import Testing

@testable import BreakwaterHTTP

@Suite struct CircuitOrderTests {
    @Test func namesSortNaturallyWithDigitRunsAsNumbers() {
        let names = ["synthetic-100", "synthetic-10", "synthetic-2", "synthetic-1", "payments", "synthetic-02", "a", "A", "a1b", "a01b0"]

        #expect(names.sorted(by: CircuitOrder.naturallyPrecedes) == [
            "A", "a", "a1b", "a01b0", "payments", "synthetic-1", "synthetic-02", "synthetic-2", "synthetic-10", "synthetic-100",
        ])
    }

    @Test func digitRunsLongerThanAnyIntegerStillCompare() {
        let huge = "n" + String(repeating: "9", count: 40)
        let larger = "n1" + String(repeating: "0", count: 40)

        #expect(CircuitOrder.naturallyPrecedes(huge, larger))
        #expect(!CircuitOrder.naturallyPrecedes(larger, huge))
    }

    @Test func theOrderIsStrict() {
        let names = ["x", "x0", "x00", "x1", "x01", "x", "", "0", "00", "é", "e"]
        for left in names {
            #expect(!CircuitOrder.naturallyPrecedes(left, left))
            for right in names where left != right {
                #expect(CircuitOrder.naturallyPrecedes(left, right) != CircuitOrder.naturallyPrecedes(right, left), "\(left) \(right)")
            }
        }
    }

    @Test func circuitsNeedingAttentionComeFirstByUrgencyThenByName() {
        let circuits: [CircuitStatus] = [
            .sample(name: "b-closed", state: .closed), .sample(name: "metrics", state: .metricsOnly),
            .sample(name: "open-10", state: .open), .sample(name: "a-closed", state: .closed),
            .sample(name: "disabled", state: .disabled), .sample(name: "forced", state: .forcedOpen),
            .sample(name: "open-9", state: .open), .sample(name: "probing", state: .halfOpen),
        ]

        #expect(circuits.sorted(by: CircuitOrder.precedes).map(\.name) == [
            "open-9", "open-10", "probing", "forced", "disabled", "metrics", "a-closed", "b-closed",
        ])
    }
}

import BreakwaterMetrics
import Dispatch
import Synchronization

/// Holds scrapes inside rendering until the test opens the gate, so a test can have a scrape
/// in flight for as long as it needs (to hit the concurrency limit, or to shut down under it).
final class ScrapeGate: Sendable {
    private let entered = DispatchSemaphore(value: 0)
    private let opened = DispatchSemaphore(value: 0)
    private let scrapesToHold: Atomic<Int>

    /// A gate that holds the next `count` scrapes of `collector`.
    init(holding count: Int = 1, on collector: MetricsCollector) {
        scrapesToHold = Atomic(count)
        collector.addCollectHook { [self] in
            guard scrapesToHold.subtract(1, ordering: .relaxed).newValue >= 0 else { return }
            entered.signal()
            // Bounded, so a failing test cannot hold the server forever.
            _ = opened.wait(timeout: .now() + .seconds(60))
        }
    }

    /// Blocks until a scrape is held at the gate; `false` after 60 seconds without one.
    func waitForHeldScrape() -> Bool {
        entered.wait(timeout: .now() + .seconds(60)) == .success
    }

    /// Lets one held scrape go on.
    func open() {
        opened.signal()
    }
}

// The status page in a real browser: `Tests/Browser/status_page.py` drives headless Chromium
// against a server whose circuits sit in every state, and checks the counts, the order, the
// escaping, the refresh in place, the filter and the manual controls (see the script's docstring).
// Chromium, its driver and Selenium come from Scripts/install-test-tools; a missing one fails the
// test with that hint instead of skipping.

import Breakwater
import BreakwaterHTTP
import BreakwaterTestSupport
import Foundation
import Logging
import Testing

@Suite struct StatusPageBrowserTests {
    /// The name the page must show as text, never as an element.
    static let hostileName = "<img src=x onerror=alert(1)>"
    /// The closed circuit the script forces open over HTTP while the page refreshes.
    static let transitionedName = "synthetic-500"
    /// The basic-authentication user, whose name the page's Reset must record.
    static let user = "operator"
    /// The user's password; the script sends it with every request the browser makes.
    static let password = "correct horse battery staple"

    /// The whole run, browser start included; far more than it takes, for a loaded machine and
    /// ThreadSanitizer. The script bounds its own waits well within it.
    static let scriptTimeout: Duration = .seconds(120)

    /// A registry on virtual time, so that no circuit changes state unless the script changes
    /// it: two open (one of them `hostileName`), one half-open, one each forced open, disabled
    /// and metrics-only, and 1,001 closed (`accounts` and `synthetic-0` to `synthetic-999`).
    static func registry() throws -> CircuitBreakerRegistry {
        let clock = ManualClock()
        var logger = Logger(label: "breakwater.http.test")
        logger.logLevel = .warning
        let registry = try CircuitBreakerRegistry(
            defaultConfiguration: CircuitBreakerConfiguration(
                consecutiveFailureThreshold: 2, openDuration: .fixed(.seconds(60)), permittedCallsInHalfOpen: 3),
            clock: clock,
            logger: logger
        )
        // Half-open first: its open duration passes before the open circuits trip, and one
        // successful probe of three leaves it half-open.
        let probing = try registry.breaker(named: "search")
        trip(probing)
        clock.advance(by: .seconds(60))
        try probing.run {}
        for name in ["payments", hostileName] {
            trip(try registry.breaker(named: name))
        }
        try registry.breaker(named: "inventory").forceOpen(reason: "maintenance window")
        try registry.breaker(named: "recommendations").disable(reason: "feature switched off")
        try registry.breaker(named: "shipping").enableMetricsOnly(reason: "observing a new dependency")
        _ = try registry.breaker(named: "accounts")
        for index in 0..<1_000 {
            _ = try registry.breaker(named: "synthetic-\(index)")
        }
        return registry
    }

    /// Fails `breaker`'s calls until it opens.
    private static func trip(_ breaker: CircuitBreaker) {
        struct Outage: Error {}
        for _ in 0..<2 {
            _ = try? breaker.run { throw Outage() }
        }
    }

    /// One browser run checks everything, each check a line of the script's output that the
    /// failure shows: starting Chromium takes seconds. The second server shares the registry
    /// without manual control, for the check that its page offers no controls.
    @Test func theStatusPageWorksInAHeadlessBrowser() async throws {
        for tool in ["/usr/bin/chromium", "/usr/bin/chromedriver", "/usr/bin/python3"] {
            try #require(FileManager.default.isExecutableFile(atPath: tool), "\(tool) is missing: run Scripts/install-test-tools")
        }
        let registry = try Self.registry()
        let credentials = try BasicAuthentication(username: Self.user, password: Self.password)
        try await withServer(registry: registry, configure: {
            $0.basicAuthentication = credentials
            $0.manualControl = true
        }) { _, port in
            try await withServer(registry: registry, configure: { $0.basicAuthentication = credentials }) { _, uncontrolledPort in
                let arguments = [
                    Self.script.path, "http://127.0.0.1:\(port)", Self.user, Self.password,
                    "--transition", Self.transitionedName, "--uncontrolled", "http://127.0.0.1:\(uncontrolledPort)",
                ]
                let run = try await runExternalTool(
                    URL(fileURLWithPath: "/usr/bin/python3"), arguments: arguments, input: [],
                    mergeOutput: true, timeout: Self.scriptTimeout)
                let output = String(decoding: run.standardOutput, as: UTF8.self)
                #expect(run.exitCode == 0, "status_page.py exited with \(run.exitCode):\n\(output)")
            }
        }
    }

    /// `Tests/Browser/status_page.py`, found from this file so that it needs no resource bundle.
    private static let script = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Browser").appendingPathComponent("status_page.py")
}

import BreakwaterMetrics
import BreakwaterTestSupport
import Synchronization
import Testing
@testable import BreakwaterHTTP

/// Stopping while clients keep connecting: connections accepted as the listener closes are
/// closed cleanly, never dropped half set up (which would stop the process).
@Suite struct ShutdownRaceTests {
    @Test func stoppingWhileClientsKeepConnectingLeavesNothingBehind() async throws {
        for _ in 0..<15 {
            let server = try MetricsServer(
                collector: MetricsCollector(processMetrics: false),
                configuration: MetricsServerConfiguration(host: "127.0.0.1", port: 0)
            )
            let port = try #require(try await server.start().port)
            let connected = Atomic(0)
            async let hammering: Void = offloaded {
                // Connect and ask until the listener is gone.
                while let connection = try? RawConnection(port: port) {
                    connected.add(1, ordering: .relaxed)
                    try? connection.send("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
                }
            }
            while connected.load(ordering: .relaxed) < 5 {
                try await Task.sleep(for: .milliseconds(1))
            }
            await server.stop()
            try await hammering
            var sockets = openServerSockets(port: port)
            let deadline = ContinuousClock.now + .seconds(10)
            while sockets > 0 && ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(20))
                sockets = openServerSockets(port: port)
            }
            #expect(sockets == 0)
        }
    }
}

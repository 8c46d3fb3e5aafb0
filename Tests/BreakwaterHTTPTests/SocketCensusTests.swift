import BreakwaterTestSupport
import Testing
@testable import BreakwaterHTTP

/// The census the hostile-client tests rely on counts what it should.
@Suite struct SocketCensusTests {
    @Test func theCensusCountsTheListenerAndEachAcceptedConnection() async throws {
        try await withServer { _, port in
            #expect(openServerSockets(port: port) == 1)
            let connections = try await offloaded {
                let connections = try (0..<3).map { _ in try RawConnection(port: port) }
                for connection in connections {
                    try connection.send("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
                    _ = try connection.readResponse()
                }
                return connections
            }
            #expect(openServerSockets(port: port) == 4)
            for connection in connections {
                connection.close()
            }
            var sockets = openServerSockets(port: port)
            let deadline = ContinuousClock.now + .seconds(10)
            while sockets != 1 && ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(20))
                sockets = openServerSockets(port: port)
            }
            #expect(sockets == 1)
        }
    }
}

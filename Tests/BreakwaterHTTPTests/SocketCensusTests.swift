import BreakwaterTestSupport
import Testing
@testable import BreakwaterHTTP

/// The census the hostile-client tests rely on counts what it should.
@Suite struct SocketCensusTests {
    @Test func theCensusCountsTheListenerAndEachAcceptedConnection() async throws {
        try await withServer { _, port in
            #expect(openServerSockets(port: port) == 1)
            // Each sends its request as soon as it is open: a connection must send its first
            // request within the read timeout, which a slow machine could otherwise exceed.
            let connections = try await offloaded {
                try (0..<3).map { _ in
                    let connection = try RawConnection(port: port)
                    try connection.send("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
                    _ = try connection.readResponse()
                    return connection
                }
            }
            #expect(openServerSockets(port: port) == 4)
            for connection in connections {
                connection.close()
            }
            #expect(try await eventually { openServerSockets(port: port) == 1 })
        }
    }
}

import BreakwaterHTTP
import BreakwaterHTTPTLS
import BreakwaterMetrics
import BreakwaterTestSupport
import Logging
import Testing

/// Starts a TLS server on 127.0.0.1 with `tls`, runs `body` with its port, and stops it. Its
/// log goes to `records` when given.
func withTLSServer<Result: Sendable>(
    _ tls: MetricsServerTLS, readTimeout: Duration = .seconds(10), logTo records: LogRecords? = nil,
    _ body: (Int) async throws -> Result
) async throws -> Result {
    var logger = records.map { records in Logger(label: "breakwater.http.tls.test") { _ in CapturingLogHandler(records: records) } }
        ?? Logger(label: "breakwater.http.tls.test")
    logger.logLevel = records == nil ? .critical : .trace
    let server = try MetricsServer(
        collector: MetricsCollector(processMetrics: false),
        configuration: MetricsServerConfiguration(host: "127.0.0.1", port: 0, readTimeout: readTimeout),
        tls: tls, logger: logger)
    let port = try #require(try await server.start().port)
    do {
        let result = try await body(port)
        await server.stop()
        return result
    } catch {
        await server.stop()
        throw error
    }
}

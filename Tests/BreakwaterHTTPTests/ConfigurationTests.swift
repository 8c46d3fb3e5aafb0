import Testing
@testable import BreakwaterHTTP

@Suite struct ConfigurationTests {
    @Test func defaultsBindEveryIPv4InterfaceOnPort9465() {
        let configuration = MetricsServerConfiguration()
        #expect(configuration.host == "0.0.0.0")
        #expect(configuration.port == 9465)
        #expect(configuration.metricsPath == "/metrics")
    }
}

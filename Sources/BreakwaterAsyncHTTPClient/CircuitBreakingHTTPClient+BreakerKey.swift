import AsyncHTTPClient

#if canImport(FoundationEssentials)
import struct FoundationEssentials.URL
#else
import struct Foundation.URL
#endif

extension CircuitBreakingHTTPClient {
    /// Which breaker of the registry a request goes through, by the name it gives the request.
    ///
    /// ```swift
    /// .host                                  // "api.example.com", "127.0.0.1:8080"
    /// .init { request in "search.\(request.method.rawValue)" }
    /// ```
    ///
    /// A call can also name its breaker itself, with the `circuit` argument of
    /// ``CircuitBreakingHTTPClient/execute(_:timeout:circuit:logger:)``.
    public struct BreakerKey: Sendable {
        private let name: @Sendable (HTTPClientRequest) -> String

        /// Names the breaker of a request with `name`. The name must not be empty.
        public init(_ name: @escaping @Sendable (_ request: HTTPClientRequest) -> String) {
            self.name = name
        }

        /// One breaker per server: the URL's host, with its port when the URL has one
        /// (`api.example.com`, `127.0.0.1:8080`); the whole URL for one without a host, such as a
        /// Unix domain socket's.
        public static let host = Self { request in
            guard let url = URL(string: request.url), let host = url.host, !host.isEmpty else {
                return request.url
            }
            return url.port.map { "\(host):\($0)" } ?? host
        }

        /// The name of the breaker that `request` goes through.
        public func name(for request: HTTPClientRequest) -> String {
            name(request)
        }
    }
}

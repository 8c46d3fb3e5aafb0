import HTTPTypes

#if canImport(FoundationEssentials)
import struct FoundationEssentials.URL
#else
import struct Foundation.URL
#endif

extension CircuitBreakerMiddleware {
    /// Which breaker of the registry a request goes through, by the name it gives the request.
    ///
    /// ```swift
    /// .host           // "api.example.com", "127.0.0.1:8080": one breaker per server
    /// .operationID    // "getGreeting": one breaker per operation
    /// .init { _, baseURL, operationID in "payments.\(operationID)" }
    /// ```
    public struct BreakerKey: Sendable {
        private let name: @Sendable (HTTPRequest, URL, String) -> String

        /// Names the breaker of a request with `name`, given the request, the server's base URL
        /// and the operation's identifier. The name must not be empty.
        public init(_ name: @escaping @Sendable (_ request: HTTPRequest, _ baseURL: URL, _ operationID: String) -> String) {
            self.name = name
        }

        /// One breaker per server: the base URL's host, with its port when the URL has one
        /// (`api.example.com`, `127.0.0.1:8080`); the request's authority for a base URL without a host.
        public static let host = Self { request, baseURL, _ in
            guard let host = baseURL.host, !host.isEmpty else {
                return request.authority ?? baseURL.absoluteString
            }
            return baseURL.port.map { "\(host):\($0)" } ?? host
        }

        /// One breaker per operation, named by the operation's identifier in the OpenAPI document.
        ///
        /// Two clients of different services that share a registry may have operations of the
        /// same identifier; give them names of their own with ``init(_:)``.
        public static let operationID = Self { _, _, operationID in operationID }

        /// The name of the breaker that `request` to the server at `baseURL`, for the operation
        /// `operationID`, goes through.
        public func name(for request: HTTPRequest, baseURL: URL, operationID: String) -> String {
            name(request, baseURL, operationID)
        }
    }
}

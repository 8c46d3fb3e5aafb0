import HTTPTypes
@_spi(Generated) import OpenAPIRuntime

#if canImport(FoundationEssentials)
import struct FoundationEssentials.URL
#else
import struct Foundation.URL
#endif

/// What swift-openapi-generator makes of a document with two operations, `getQuote` (GET /quote)
/// and `search` (GET /search), written out by hand: the middleware sees what it sees in a
/// generated client, and a rejection reaches the caller wrapped as it would.
struct QuotesClient {
    /// An operation's typed output: 200 is documented, every other status is not.
    enum Output: Sendable, Equatable {
        case ok(body: String)
        case undocumented(statusCode: Int, body: String, retryAfter: String?)
    }

    private let client: UniversalClient

    init(serverURL: URL, transport: any ClientTransport, middlewares: [any ClientMiddleware]) {
        client = UniversalClient(serverURL: serverURL, transport: transport, middlewares: middlewares)
    }

    func getQuote() async throws -> Output {
        try await send(.get, "/quote", operationID: "getQuote")
    }

    func search() async throws -> Output {
        try await send(.get, "/search", operationID: "search")
    }

    /// Any path, as the operation `getQuote`.
    func get(_ path: String) async throws -> Output {
        try await send(.get, path, operationID: "getQuote")
    }

    private func send(_ method: HTTPRequest.Method, _ path: String, operationID: String) async throws -> Output {
        try await client.send(
            input: (),
            forOperation: operationID,
            serializer: { _ in (HTTPRequest(soar_path: path, method: method), nil) },
            deserializer: { response, body in
                let text = if let body { try await String(collecting: body, upTo: 1024) } else { "" }
                if response.status == .ok { return .ok(body: text) }
                return .undocumented(statusCode: response.status.code, body: text, retryAfter: response.headerFields[.retryAfter])
            }
        )
    }
}

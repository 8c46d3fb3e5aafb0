import Instrumentation
import ServiceContextModule

/// A tracer's propagation: the span kept in the `ServiceContext` injected as a W3C
/// `traceparent`, formatted at each injection as swift-otel's propagator does, or formatted once
/// (to tell Breakwater's part of the cost from the tracer's).
struct SpanInstrument: Instrument {
    /// The span a context carries.
    struct Span: ServiceContextKey, Sendable {
        typealias Value = Span
        var traceID: (high: UInt64, low: UInt64)
        var spanID: UInt64

        var traceparent: String {
            "00-\(Self.hex(traceID.high))\(Self.hex(traceID.low))-\(Self.hex(spanID))-01"
        }

        private static func hex(_ value: UInt64) -> String {
            let digits = String(value, radix: 16)
            return String(repeating: "0", count: 16 - digits.count) + digits
        }
    }

    /// The `traceparent` of every context, when formatted once.
    let preformatted: String?

    init(preformatting span: Span? = nil) {
        preformatted = span?.traceparent
    }

    func extract<Carrier, Extract>(_ carrier: Carrier, into context: inout ServiceContext, using extractor: Extract)
    where Extract: Extractor, Extract.Carrier == Carrier {}

    func inject<Carrier, Inject>(_ context: ServiceContext, into carrier: inout Carrier, using injector: Inject)
    where Inject: Injector, Inject.Carrier == Carrier {
        guard let span = context[Span.self] else { return }
        injector.inject(preformatted ?? span.traceparent, forKey: "traceparent", into: &carrier)
    }
}

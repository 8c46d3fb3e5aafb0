import BreakwaterMetrics
import Instrumentation
import ServiceContextModule

/// Exemplar sources for the breaker metrics from swift-distributed-tracing: the span of the
/// caller's `ServiceContext`, as the bootstrapped tracer (swift-otel, for one) propagates it.
///
/// ```swift
/// import BreakwaterTracing
///
/// InstrumentationSystem.bootstrap(tracer)   // as the application does for its tracing
/// try collector.recordMetrics(of: registry, exemplars: ExemplarSources.serviceContext)
/// ```
///
/// The trace and span are read the way a tracer hands them to the next service: its W3C
/// `traceparent`, so any tracer that propagates W3C Trace Context works, without Breakwater
/// depending on one. Only sampled traces give exemplars (the `traceparent`'s sampled flag):
/// an unsampled trace is never stored, so a link to it would lead nowhere. A call with no
/// `ServiceContext` costs one task-local read and allocates nothing; a call in a span, sampled or
/// not, costs what the tracer spends formatting its `traceparent` (the generic tracing API tells
/// whether a span is sampled only through it).
public enum ExemplarSources {
    /// The span of the current `ServiceContext`, through `InstrumentationSystem.instrument`,
    /// read at each call, so the source works whether it is made before or after the bootstrap.
    public static let serviceContext: ExemplarSource = {
        guard let context = ServiceContext.current else { return nil }
        return reference(in: context, through: InstrumentationSystem.instrument)
    }

    /// The span of the current `ServiceContext`, through `instrument` rather than the
    /// bootstrapped one.
    public static func serviceContext(through instrument: any Instrument) -> ExemplarSource {
        {
            guard let context = ServiceContext.current else { return nil }
            return reference(in: context, through: instrument)
        }
    }

    /// The sampled span `instrument` propagates for `context`, if any.
    static func reference(in context: ServiceContext, through instrument: any Instrument) -> TraceReference? {
        var carrier = TraceparentCarrier()
        instrument.inject(context, into: &carrier, using: TraceparentCarrier.Injector())
        return carrier.reference
    }
}

/// Receives what an instrument propagates and keeps the sampled span of its `traceparent`.
struct TraceparentCarrier: Sendable {
    var reference: TraceReference?

    struct Injector: Instrumentation.Injector {
        func inject(_ value: String, forKey key: String, into carrier: inout TraceparentCarrier) {
            guard key.utf8.elementsEqual("traceparent".utf8) else { return }
            carrier.reference = Self.sampledSpan(inTraceparent: value)
        }

        /// The trace and parent IDs of a version-00 `traceparent`
        /// (`00-<32 hex trace ID>-<16 hex parent ID>-<2 hex flags>`), when its sampled flag is set.
        /// Read at fixed offsets, without allocating.
        static func sampledSpan(inTraceparent value: String) -> TraceReference? {
            var value = value
            return value.withUTF8 { bytes -> TraceReference? in
                guard bytes.count == 55, bytes[0] == UInt8(ascii: "0"), bytes[1] == UInt8(ascii: "0"),
                    bytes[2] == UInt8(ascii: "-"), bytes[35] == UInt8(ascii: "-"), bytes[52] == UInt8(ascii: "-"),
                    let flags = UInt64(hex: UnsafeBufferPointer(rebasing: bytes[53..<55])), flags & 1 == 1
                else { return nil }
                return TraceReference(
                    hexTraceID: UnsafeBufferPointer(rebasing: bytes[3..<35]), spanID: UnsafeBufferPointer(rebasing: bytes[36..<52]))
            }
        }
    }
}

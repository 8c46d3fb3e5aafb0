import Instrumentation
import ServiceContextModule
import Synchronization

/// The W3C `traceparent` of the span a test puts in a `ServiceContext`, as a tracer keeps its own.
package enum TestTraceparentKey: ServiceContextKey {
    package typealias Value = String
}

/// An instrument that propagates the test's span as W3C Trace Context does, and counts how
/// often it is asked.
package final class TraceparentInstrument: Instrument {
    package let injections = Atomic<Int>(0)

    package init() {}

    package func extract<Carrier, Extract>(_ carrier: Carrier, into context: inout ServiceContext, using extractor: Extract)
    where Extract: Extractor, Extract.Carrier == Carrier {}

    package func inject<Carrier, Inject>(_ context: ServiceContext, into carrier: inout Carrier, using injector: Inject)
    where Inject: Injector, Inject.Carrier == Carrier {
        injections.add(1, ordering: .relaxed)
        guard let traceparent = context[TestTraceparentKey.self] else { return }
        injector.inject("vendor=1", forKey: "tracestate", into: &carrier)
        injector.inject(traceparent, forKey: "traceparent", into: &carrier)
    }
}

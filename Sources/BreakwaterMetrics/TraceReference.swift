/// The trace and span a measurement was made in: what an OpenMetrics exemplar links a sample to,
/// rendered as `{trace_id="<32 hex digits>",span_id="<16 hex digits>"}` (63 characters of the
/// 128 OpenMetrics allows an exemplar's labels).
///
/// Fixed-size and without references, so recording one allocates nothing.
public struct TraceReference: Sendable, Hashable {
    /// The W3C trace ID's 16 bytes, as two big-endian halves.
    let traceHigh: UInt64
    let traceLow: UInt64
    /// The W3C span (parent) ID's 8 bytes, big-endian.
    let span: UInt64

    /// A reference from the IDs' numbers: the trace ID's 16 bytes as two big-endian halves, the
    /// span ID's 8 bytes big-endian.
    public init(traceID: (high: UInt64, low: UInt64), spanID: UInt64) {
        traceHigh = traceID.high
        traceLow = traceID.low
        span = spanID
    }

    /// A reference from IDs in hex, either case, as a W3C `traceparent` carries them: 32 digits
    /// of trace ID and 16 of span ID. `nil` for any other length or character, and for the
    /// all-zero IDs W3C Trace Context declares invalid.
    public init?(traceID: some StringProtocol, spanID: some StringProtocol) {
        var traceID = String(traceID)
        var spanID = String(spanID)
        guard let reference = traceID.withUTF8({ trace in spanID.withUTF8 { Self(hexTraceID: trace, spanID: $0) } }) else {
            return nil
        }
        self = reference
    }

    /// A reference from 32 hex digits of trace ID and 16 of span ID, without allocating.
    package init?(hexTraceID traceID: UnsafeBufferPointer<UInt8>, spanID: UnsafeBufferPointer<UInt8>) {
        guard traceID.count == 32, spanID.count == 16,
            let high = UInt64(hex: UnsafeBufferPointer(rebasing: traceID[0..<16])),
            let low = UInt64(hex: UnsafeBufferPointer(rebasing: traceID[16..<32])),
            let span = UInt64(hex: spanID), high | low != 0, span != 0
        else { return nil }
        self.init(traceID: (high, low), spanID: span)
    }

    /// The trace ID as 32 lower-case hex digits.
    public var traceID: String {
        String(decoding: Array(hex: traceHigh) + Array(hex: traceLow), as: UTF8.self)
    }

    /// The span ID as 16 lower-case hex digits.
    public var spanID: String {
        String(decoding: Array(hex: span), as: UTF8.self)
    }
}

/// Where the breaker metrics find the trace of the call being recorded: called on the caller's
/// task as each call ends, so task-local context (swift-distributed-tracing's `ServiceContext`)
/// is the caller's. Returns `nil` when the call is not in a sampled trace. It runs on every call,
/// so it should cost next to nothing, and allocate nothing, outside a trace.
public typealias ExemplarSource = @Sendable () -> TraceReference?

extension UInt64 {
    /// The number in 1 to 16 hex digits, either case; `nil` for anything else.
    package init?(hex digits: UnsafeBufferPointer<UInt8>) {
        guard !digits.isEmpty, digits.count <= 16 else { return nil }
        var value: UInt64 = 0
        for digit in digits {
            let nibble: UInt8
            switch digit {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): nibble = digit - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): nibble = digit - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): nibble = digit - UInt8(ascii: "A") + 10
            default: return nil
            }
            value = value << 4 | UInt64(nibble)
        }
        self = value
    }
}

extension Array where Element == UInt8 {
    /// `value` as 16 lower-case hex digits.
    init(hex value: UInt64) {
        self.init()
        appendHex(value)
    }

    /// Appends `value` as 16 lower-case hex digits.
    mutating func appendHex(_ value: UInt64) {
        let digits: StaticString = "0123456789abcdef"
        for shift in stride(from: 60, through: 0, by: -4) {
            append(digits.utf8Start[Int((value >> UInt64(shift)) & 0xF)])
        }
    }
}

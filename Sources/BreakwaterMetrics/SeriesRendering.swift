/// How each kind of series writes its samples: `name{labels} value` lines.
enum SeriesRendering {
    static func counter(_ counter: CounterSeries, name: [UInt8], into buffer: inout [UInt8], format: ExpositionFormat) {
        start(name, "_total", counter.labelPairs, into: &buffer)
        buffer.appendDecimal(counter.value)
        if format == .openMetrics, let exemplar = counter.exemplars.all().first ?? nil {
            buffer.appendExemplar(exemplar)
        }
        buffer.append(UInt8(ascii: "\n"))
    }

    static func floatingCounter(_ counter: FloatingCounterSeries, name: [UInt8], into buffer: inout [UInt8], format: ExpositionFormat) {
        start(name, "_total", counter.labelPairs, into: &buffer)
        buffer.appendGoFloat(counter.value)
        buffer.append(UInt8(ascii: "\n"))
    }

    static func gauge(_ gauge: GaugeSeries, name: [UInt8], into buffer: inout [UInt8], format: ExpositionFormat) {
        start(name, "", gauge.labelPairs, into: &buffer)
        buffer.appendGoFloat(gauge.value)
        buffer.append(UInt8(ascii: "\n"))
    }

    static func info(_ info: InfoSeries, name: [UInt8], into buffer: inout [UInt8], format: ExpositionFormat) {
        start(name, "_info", info.labelPairs, into: &buffer)
        buffer.append("1\n")
    }

    /// Cumulative buckets from one read of each bucket, so that they never decrease and `+Inf`
    /// equals `_count` however observations race with the scrape.
    static func histogram(
        _ histogram: HistogramSeries, name: [UInt8], bounds: HistogramBuckets.RenderedBounds,
        into buffer: inout [UInt8], format: ExpositionFormat
    ) {
        // Through buffer pointers: appending an array retains it, and a histogram writes a line
        // per bucket.
        let buckets = histogram.buckets
        let exemplars = format == .openMetrics ? histogram.exemplars.all() : []
        var cumulative: UInt64 = 0
        name.withUnsafeBufferPointer { name in
            histogram.labelPairs.withUnsafeBufferPointer { labelPairs in
                bounds.values(for: format).withUnsafeBufferPointer { upperBounds in
                    for index in upperBounds.indices {
                        cumulative &+= buckets.load(index)
                        buffer.append(contentsOf: name)
                        buffer.append("_bucket{")
                        if !labelPairs.isEmpty {
                            buffer.append(contentsOf: labelPairs)
                            buffer.append(UInt8(ascii: ","))
                        }
                        buffer.append("le=\"")
                        upperBounds[index].withUnsafeBufferPointer { buffer.append(contentsOf: $0) }
                        buffer.append("\"} ")
                        buffer.appendDecimal(cumulative)
                        if !exemplars.isEmpty, let exemplar = exemplars[index] {
                            buffer.appendExemplar(exemplar)
                        }
                        buffer.append(UInt8(ascii: "\n"))
                    }
                }
            }
        }
        start(name, "_sum", histogram.labelPairs, into: &buffer)
        buffer.appendGoFloat(histogram.sum)
        buffer.append(UInt8(ascii: "\n"))
        start(name, "_count", histogram.labelPairs, into: &buffer)
        buffer.appendDecimal(cumulative)
        buffer.append(UInt8(ascii: "\n"))
    }

    /// Appends `name`, `suffix`, the labels in braces if there are any, and the space before the value.
    private static func start(_ name: [UInt8], _ suffix: StaticString, _ labelPairs: [UInt8], into buffer: inout [UInt8]) {
        name.withUnsafeBufferPointer { buffer.append(contentsOf: $0) }
        buffer.append(suffix)
        if !labelPairs.isEmpty {
            buffer.append(UInt8(ascii: "{"))
            labelPairs.withUnsafeBufferPointer { buffer.append(contentsOf: $0) }
            buffer.append(UInt8(ascii: "}"))
        }
        buffer.append(UInt8(ascii: " "))
    }
}

extension Array where Element == UInt8 {
    /// Appends ` # {trace_id="...",span_id="..."} value timestamp`, an OpenMetrics exemplar.
    mutating func appendExemplar(_ exemplar: Exemplar) {
        append(" # {trace_id=\"")
        appendHex(exemplar.trace.traceHigh)
        appendHex(exemplar.trace.traceLow)
        append("\",span_id=\"")
        appendHex(exemplar.trace.span)
        append("\"} ")
        appendCanonicalFloat(exemplar.value)
        append(UInt8(ascii: " "))
        let microseconds = UInt64((exemplar.timestamp * 1_000_000).rounded())
        appendDecimal(microseconds / 1_000_000)
        append(UInt8(ascii: "."))
        let fraction = microseconds % 1_000_000
        var divisor: UInt64 = 100_000
        while divisor > 0 {
            append(UInt8(ascii: "0") + UInt8(fraction / divisor % 10))
            divisor /= 10
        }
    }
}

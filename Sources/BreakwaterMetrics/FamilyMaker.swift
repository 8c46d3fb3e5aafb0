/// Makes the family of each series type, with the way its series render.
enum FamilyMaker {
    static func counter(_ descriptor: FamilyDescriptor, createsUnlabelledSeries: Bool = true) -> CounterFamily {
        MetricFamily(
            descriptor, createsUnlabelledSeries: createsUnlabelledSeries,
            makeSeries: CounterSeries.init(labelPairs:), renderSeries: SeriesRendering.counter)
    }

    static func floatingCounter(_ descriptor: FamilyDescriptor, createsUnlabelledSeries: Bool = true) -> FloatingCounterFamily {
        MetricFamily(
            descriptor, createsUnlabelledSeries: createsUnlabelledSeries,
            makeSeries: FloatingCounterSeries.init(labelPairs:), renderSeries: SeriesRendering.floatingCounter)
    }

    static func gauge(_ descriptor: FamilyDescriptor, createsUnlabelledSeries: Bool = true) -> GaugeFamily {
        MetricFamily(
            descriptor, createsUnlabelledSeries: createsUnlabelledSeries,
            makeSeries: GaugeSeries.init(labelPairs:), renderSeries: SeriesRendering.gauge)
    }

    static func histogram(_ descriptor: FamilyDescriptor, createsUnlabelledSeries: Bool = true) -> HistogramFamily {
        let bounds = descriptor.upperBounds
        let rendered = HistogramBuckets.RenderedBounds(bounds)
        return MetricFamily(
            descriptor, createsUnlabelledSeries: createsUnlabelledSeries,
            makeSeries: { HistogramSeries(labelPairs: $0, upperBounds: bounds) },
            renderSeries: { SeriesRendering.histogram($0, name: $1, bounds: rendered, into: &$2, format: $3) })
    }

    static func info(_ descriptor: FamilyDescriptor) -> InfoFamily {
        MetricFamily(descriptor, makeSeries: InfoSeries.init(labelPairs:), renderSeries: SeriesRendering.info)
    }
}

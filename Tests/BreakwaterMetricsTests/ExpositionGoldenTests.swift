import Testing

@testable import BreakwaterMetrics

/// Exact output, byte for byte, in both formats.
@Suite("Exposition golden output")
struct ExpositionGoldenTests {
    private func collectorWithEveryType() throws -> MetricsCollector {
        let collector = MetricsCollector(processMetrics: false)
        let calls = try collector.counter(name: "calls_total", help: "Calls made.", labelNames: ["outcome", "circuit"])
        try calls.labels("success", "payments").increment(by: 3)
        try calls.labels("failure", "inventory").increment()
        let seconds = try collector.floatingCounter(name: "busy_seconds", help: "Time spent busy.")
        try seconds.labels().increment(by: 0.25)
        let hostile = try collector.gauge(
            name: "hostile", help: "Help with \\ backslash,\nnewline and \"quotes\".", labelNames: ["value"])
        try hostile.labels("quote \" backslash \\ newline \n end").set(-1.5)
        try hostile.labels("").set(.nan)
        try hostile.labels("zürich ✓").set(.infinity)
        try hostile.labels("minus").set(-.infinity)
        let sizes = try collector.gauge(name: "sizes", help: "Numbers large and small.", labelNames: ["which"])
        try sizes.labels("big").set(1e20)
        try sizes.labels("million").set(1.5e6)
        try sizes.labels("tiny").set(1e-05)
        try sizes.labels("third").set(1.0 / 3)
        try sizes.labels("whole").set(999_999)
        let latency = try collector.histogram(
            name: "latency_seconds", help: "Latency.", labelNames: ["circuit"], buckets: [0.1, 1, 10])
        for value in [0.05, 0.5, 20] {
            try latency.labels("payments").observe(value)
        }
        let build = try collector.info(name: "build", help: "Build.", labelNames: ["version"])
        _ = try build.labels("1.2")
        return collector
    }

    @Test("text format 0.0.4")
    func prometheusText() throws {
        let expected = #"""
            # HELP build_info Build.
            # TYPE build_info gauge
            build_info{version="1.2"} 1
            # HELP busy_seconds_total Time spent busy.
            # TYPE busy_seconds_total counter
            busy_seconds_total 0.25
            # HELP calls_total Calls made.
            # TYPE calls_total counter
            calls_total{circuit="inventory",outcome="failure"} 1
            calls_total{circuit="payments",outcome="success"} 3
            # HELP hostile Help with \\ backslash,\nnewline and "quotes".
            # TYPE hostile gauge
            hostile{value=""} NaN
            hostile{value="minus"} -Inf
            hostile{value="quote \" backslash \\ newline \n end"} -1.5
            hostile{value="zürich ✓"} +Inf
            # HELP latency_seconds Latency.
            # TYPE latency_seconds histogram
            latency_seconds_bucket{circuit="payments",le="0.1"} 1
            latency_seconds_bucket{circuit="payments",le="1"} 2
            latency_seconds_bucket{circuit="payments",le="10"} 2
            latency_seconds_bucket{circuit="payments",le="+Inf"} 3
            latency_seconds_sum{circuit="payments"} 20.55
            latency_seconds_count{circuit="payments"} 3
            # HELP sizes Numbers large and small.
            # TYPE sizes gauge
            sizes{which="big"} 1e+20
            sizes{which="million"} 1.5e+06
            sizes{which="third"} 0.3333333333333333
            sizes{which="tiny"} 1e-05
            sizes{which="whole"} 999999

            """#
        #expect(try collectorWithEveryType().render(.prometheusText) == expected)
    }

    @Test("OpenMetrics 1.0.0")
    func openMetrics() throws {
        let expected = #"""
            # HELP build Build.
            # TYPE build info
            build_info{version="1.2"} 1
            # HELP busy_seconds Time spent busy.
            # TYPE busy_seconds counter
            busy_seconds_total 0.25
            # HELP calls Calls made.
            # TYPE calls counter
            calls_total{circuit="inventory",outcome="failure"} 1
            calls_total{circuit="payments",outcome="success"} 3
            # HELP hostile Help with \\ backslash,\nnewline and \"quotes\".
            # TYPE hostile gauge
            hostile{value=""} NaN
            hostile{value="minus"} -Inf
            hostile{value="quote \" backslash \\ newline \n end"} -1.5
            hostile{value="zürich ✓"} +Inf
            # HELP latency_seconds Latency.
            # TYPE latency_seconds histogram
            latency_seconds_bucket{circuit="payments",le="0.1"} 1
            latency_seconds_bucket{circuit="payments",le="1.0"} 2
            latency_seconds_bucket{circuit="payments",le="10.0"} 2
            latency_seconds_bucket{circuit="payments",le="+Inf"} 3
            latency_seconds_sum{circuit="payments"} 20.55
            latency_seconds_count{circuit="payments"} 3
            # HELP sizes Numbers large and small.
            # TYPE sizes gauge
            sizes{which="big"} 1e+20
            sizes{which="million"} 1.5e+06
            sizes{which="third"} 0.3333333333333333
            sizes{which="tiny"} 1e-05
            sizes{which="whole"} 999999
            # EOF

            """#
        #expect(try collectorWithEveryType().render(.openMetrics) == expected)
    }

    @Test("an empty collector renders nothing, or only # EOF")
    func empty() {
        let collector = MetricsCollector(processMetrics: false)
        #expect(collector.render(.prometheusText) == "")
        #expect(collector.render(.openMetrics) == "# EOF\n")
    }

    @Test("a family with labels but no series renders nothing; one without labels shows its zero")
    func familiesWithoutSeries() throws {
        let collector = MetricsCollector(processMetrics: false)
        _ = try collector.counter(name: "labelled_total", help: "Labelled.", labelNames: ["a"])
        _ = try collector.counter(name: "plain_total", help: "Plain.")
        #expect(collector.render(.prometheusText) == "# HELP plain_total Plain.\n# TYPE plain_total counter\nplain_total 0\n")
    }

    @Test("removing a series or a family takes it out of the exposition")
    func removal() throws {
        let collector = MetricsCollector(processMetrics: false)
        let gauge = try collector.gauge(name: "g", help: "G.", labelNames: ["k"])
        try gauge.labels("a").set(1)
        try gauge.labels("b").set(2)
        #expect(gauge.remove(labels: "a"))
        #expect(!gauge.remove(labels: "a"))
        #expect(collector.render(.prometheusText) == "# HELP g G.\n# TYPE g gauge\ng{k=\"b\"} 2\n")
        #expect(collector.unregister("g"))
        #expect(collector.render(.prometheusText) == "")
        _ = try collector.counter(name: "g", help: "Now a counter.")
    }

    @Test("collect hooks run before every render")
    func collectHooks() throws {
        let collector = MetricsCollector(processMetrics: false)
        let gauge = try collector.gauge(name: "renders", help: "Renders so far.")
        let series = try gauge.labels()
        let token = collector.addCollectHook { series.increment() }
        _ = collector.render(.prometheusText)
        #expect(collector.render(.prometheusText).hasSuffix("renders 2\n"))
        collector.removeCollectHook(token)
        #expect(collector.render(.prometheusText).hasSuffix("renders 2\n"))
    }
}

@Suite("Process metrics")
struct ProcessMetricsTests {
    @Test("the process metrics are on by default, with client_golang's names, and can be turned off")
    func onByDefault() {
        let text = MetricsCollector().render(.prometheusText)
        for name in [
            "process_cpu_seconds_total", "process_resident_memory_bytes", "process_virtual_memory_bytes",
            "process_start_time_seconds", "process_open_fds", "process_max_fds",
        ] {
            #expect(text.contains("\n\(name) "), "\(name) is exported")
        }
        #expect(MetricsCollector(processMetrics: false).render(.prometheusText).isEmpty)
    }
}

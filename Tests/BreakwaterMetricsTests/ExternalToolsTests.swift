// The helpers in BreakwaterTestSupport/ExternalTools.swift, fed hand-written expositions: before the encoders'
// tests trust promtool and client_python to judge an exposition, these show that the helpers
// pass a valid one through exactly and report an invalid one. They need the tools that
// Scripts/install-test-tools installs, and fail with that hint when one is missing.

import BreakwaterTestSupport
import Foundation
import Testing

@Suite("External tools")
struct ExternalToolsTests {
    // The label value and the HELP text hold every escape the formats have (\\, \", \n) and
    // characters beyond ASCII. Each fixture ends in a line feed: note the empty last line.
    static let text004 = #"""
        # HELP requests_total Requests handled, by outcome.\nSecond line: a \\ backslash.
        # TYPE requests_total counter
        requests_total{outcome="failure",path="/"} 3
        requests_total{outcome="success",path="C:\\temp\\\"quoted\"\nnext ü ✓"} 1027
        requests_total{outcome="success",path="C:\\"} 1e+20
        # HELP temperature_celsius Current temperature.
        # TYPE temperature_celsius gauge
        temperature_celsius{sensor="a"} -12.5
        temperature_celsius{sensor="b"} NaN
        temperature_celsius{sensor="c"} 0.3333333333333333
        temperature_celsius{sensor="d"} -Inf
        # HELP request_duration_seconds Time to handle a request.
        # TYPE request_duration_seconds histogram
        request_duration_seconds_bucket{le="0.005"} 1
        request_duration_seconds_bucket{le="0.1"} 4
        request_duration_seconds_bucket{le="+Inf"} 5
        request_duration_seconds_sum 1.5e-05
        request_duration_seconds_count 5

        """#

    static let openMetrics = #"""
        # TYPE requests counter
        # HELP requests Requests handled, by outcome.\nSecond line: a \\ backslash and a \"quote\".
        requests_total{outcome="success",path="C:\\temp\\\"quoted\"\nnext ü ✓"} 1027
        requests_created{outcome="success",path="C:\\temp\\\"quoted\"\nnext ü ✓"} 1.7e+09
        # TYPE request_duration_seconds histogram
        # UNIT request_duration_seconds seconds
        # HELP request_duration_seconds Time to handle a request.
        request_duration_seconds_bucket{le="0.005"} 1
        request_duration_seconds_bucket{le="0.1"} 4
        request_duration_seconds_bucket{le="+Inf"} 5
        request_duration_seconds_sum 0.3333333333333333
        request_duration_seconds_count 5
        # TYPE breakwater_build info
        breakwater_build_info{version="1.0.0"} 1
        # EOF

        """#

    /// The label value both fixtures escape, as it must read after unescaping.
    static let unescapedPath = #"C:\temp\"quoted""# + "\n" + "next ü ✓"

    // MARK: promtool

    @Test func promtoolAcceptsAValidExpositionWithoutOutput() async throws {
        let result = try await promtoolCheckMetrics(Self.text004)
        #expect(result.exitCode == 0)
        #expect(result.output == "")
    }

    @Test func promtoolHasNoComplaintAboutAValidExposition() async throws {
        #expect(try await promtoolComplaint(Self.text004) == nil)
        try await expectPromtoolAccepts(Self.text004)
    }

    @Test func promtoolComplaintShowsPromtoolsOutputAndTheFirstLines() async throws {
        let complaint = try #require(try await promtoolComplaint("# TYPE requests counter\nrequests 1\n"))
        #expect(complaint.contains("promtool check metrics exited 3"))
        #expect(complaint.contains(#"counter metrics should have "_total" suffix"#))
        #expect(complaint.contains("   2 | requests 1"))
    }

    @Test func promtoolWarnsAboutACounterWhoseNameLacksTotal() async throws {
        let result = try await promtoolCheckMetrics("""
            # HELP requests Requests handled.
            # TYPE requests counter
            requests 1

            """)
        #expect(result.exitCode != 0)
        #expect(result.output.contains(#"counter metrics should have "_total" suffix"#))
    }

    @Test func promtoolWarnsAboutAFamilyWithoutHelp() async throws {
        let result = try await promtoolCheckMetrics("""
            # TYPE queue_depth gauge
            queue_depth 1

            """)
        #expect(result.exitCode != 0)
        #expect(result.output.contains("no help text"))
    }

    @Test func promtoolRejectsAnUnknownEscapeInALabelValue() async throws {
        let result = try await promtoolCheckMetrics(#"""
            # HELP requests_total Requests handled.
            # TYPE requests_total counter
            requests_total{path="C:\q"} 1

            """#)
        #expect(result.exitCode != 0)
        #expect(result.output.contains(#"invalid escape sequence '\q'"#))
    }

    @Test func promtoolRejectsALabelValueThatIsNotUTF8() async throws {
        let bytes = Array(#"requests_total{path=""#.utf8) + [0xFF, 0xFE] + Array(#""} 1"#.utf8) + [0x0A]
        let result = try await promtoolCheckMetrics(bytes)
        #expect(result.exitCode != 0)
        #expect(result.output.contains("invalid label value"))
    }

    @Test func promtoolChecksALargeExpositionWithoutStalling() async throws {
        var text = "# HELP calls_total Calls.\n# TYPE calls_total counter\n"
        for index in 0..<20_000 {
            text += "calls_total{breaker=\"breaker-\(index)\"} \(index)\n"
        }
        let result = try await promtoolCheckMetrics(text)
        #expect(result.exitCode == 0)
        #expect(result.output == "")
    }

    // MARK: client_python, text format 0.0.4

    @Test func text004ParserUnescapesLabelValuesExactly() async throws {
        let families = try await parseWithPrometheusClient(Self.text004, format: .text004)
        let sample = try #require(families.sample(named: "requests_total", labels: [
            "outcome": "success", "path": Self.unescapedPath,
        ]))
        #expect(sample.value == "1027.0")
        #expect(sample.labelNames == ["outcome", "path"])
        #expect(families.sample(named: "requests_total", labels: ["outcome": "success", "path": #"C:\"#]) != nil)
    }

    @Test func text004ParserUnescapesHelp() async throws {
        let families = try await parseWithPrometheusClient(Self.text004, format: .text004)
        // client_python names a counter family without its _total.
        let requests = try #require(families.family(named: "requests"))
        #expect(requests.type == "counter")
        #expect(requests.documentation == "Requests handled, by outcome.\nSecond line: a \\ backslash.")
    }

    @Test func text004ParserReturnsValuesExactly() async throws {
        let families = try await parseWithPrometheusClient(Self.text004, format: .text004)
        let expected: [(labels: [String: String], text: String, value: Double)] = [
            (["sensor": "a"], "-12.5", -12.5),
            (["sensor": "b"], "NaN", .nan),
            (["sensor": "c"], "0.3333333333333333", 1.0 / 3.0),
            (["sensor": "d"], "-Inf", -.infinity),
        ]
        for (labels, text, value) in expected {
            let sample = try #require(families.sample(named: "temperature_celsius", labels: labels))
            #expect(sample.value == text)
            #expect(sample.hasValue(value))
        }
        let large = families.sample(named: "requests_total", labels: ["outcome": "success", "path": #"C:\"#])
        #expect(large?.value == "1e+20")
        #expect(families.sample(named: "request_duration_seconds_sum")?.value == "1.5e-05")
    }

    @Test func text004ParserReturnsHistogramSamplesInOrder() async throws {
        let families = try await parseWithPrometheusClient(Self.text004, format: .text004)
        let histogram = try #require(families.family(named: "request_duration_seconds"))
        #expect(histogram.type == "histogram")
        #expect(histogram.samples.map(\.name) == [
            "request_duration_seconds_bucket", "request_duration_seconds_bucket",
            "request_duration_seconds_bucket", "request_duration_seconds_sum",
            "request_duration_seconds_count",
        ])
        #expect(histogram.samples.compactMap { $0.labels["le"] } == ["0.005", "0.1", "+Inf"])
        #expect(histogram.sample(named: "request_duration_seconds_bucket", labels: ["le": "+Inf"])?.value == "5.0")
    }

    @Test func text004ParserRejectsAValueThatIsNotANumber() async throws {
        let error = await #expect(throws: ExternalToolError.self) {
            try await parseWithPrometheusClient("queue_depth many\n", format: .text004)
        }
        #expect(error?.rejectionMessage?.contains("could not convert string to float") == true)
    }

    // MARK: client_python, OpenMetrics

    @Test func openMetricsParserAcceptsAValidExposition() async throws {
        let families = try await parseWithPrometheusClient(Self.openMetrics, format: .openMetrics)
        #expect(families.map(\.name) == ["requests", "request_duration_seconds", "breakwater_build"])
        #expect(families.map(\.type) == ["counter", "histogram", "info"])
        #expect(families.family(named: "request_duration_seconds")?.unit == "seconds")
    }

    @Test func openMetricsParserUnescapesLabelValuesAndHelpExactly() async throws {
        let families = try await parseWithPrometheusClient(Self.openMetrics, format: .openMetrics)
        let labels = ["outcome": "success", "path": Self.unescapedPath]
        #expect(families.sample(named: "requests_total", labels: labels)?.hasValue(1027) == true)
        #expect(families.sample(named: "requests_created", labels: labels)?.value == "1700000000.0")
        #expect(families.family(named: "requests")?.documentation
            == "Requests handled, by outcome.\nSecond line: a \\ backslash and a \"quote\".")
        #expect(families.sample(named: "request_duration_seconds_sum")?.value == "0.3333333333333333")
    }

    @Test func openMetricsParserRejectsAnExpositionWithoutEOF() async throws {
        let text = Self.openMetrics.replacingOccurrences(of: "# EOF\n", with: "")
        let error = await #expect(throws: ExternalToolError.self) {
            try await parseWithPrometheusClient(text, format: .openMetrics)
        }
        #expect(error?.rejectionMessage?.contains("Missing # EOF") == true)
    }

    @Test func openMetricsParserRejectsAHistogramWhoseInfBucketDiffersFromCount() async throws {
        let text = Self.openMetrics.replacingOccurrences(
            of: "request_duration_seconds_count 5", with: "request_duration_seconds_count 6")
        let error = await #expect(throws: ExternalToolError.self) {
            try await parseWithPrometheusClient(text, format: .openMetrics)
        }
        #expect(error?.rejectionMessage?.contains("Count does not match +Inf value") == true)
    }

    @Test func openMetricsParserRejectsABlankLine() async throws {
        let text = Self.openMetrics.replacingOccurrences(of: "# TYPE breakwater_build", with: "\n# TYPE breakwater_build")
        let error = await #expect(throws: ExternalToolError.self) {
            try await parseWithPrometheusClient(text, format: .openMetrics)
        }
        #expect(error?.rejectionMessage?.contains("Received blank line") == true)
    }

    // MARK: client_python, both formats

    /// client_python keeps an unknown escape as it was written instead of rejecting it, so
    /// only promtool catches a stray backslash: see promtoolRejectsAnUnknownEscapeInALabelValue.
    @Test(arguments: [PrometheusClientFormat.text004, .openMetrics])
    func clientPythonKeepsAnUnknownEscapeAsWritten(format: PrometheusClientFormat) async throws {
        let text = #"""
            # TYPE requests counter
            requests_total{path="C:\q"} 1
            # EOF

            """#
        let families = try await parseWithPrometheusClient(text, format: format)
        #expect(families.sample(named: "requests_total", labels: ["path": #"C:\q"#]) != nil)
    }

    @Test(arguments: [PrometheusClientFormat.text004, .openMetrics])
    func clientPythonRejectsBytesThatAreNotUTF8(format: PrometheusClientFormat) async throws {
        let bytes = Array(#"requests_total{path=""#.utf8) + [0xFF, 0xFE] + Array("\"} 1\n# EOF\n".utf8)
        let error = await #expect(throws: ExternalToolError.self) {
            try await parseWithPrometheusClient(bytes, format: format)
        }
        #expect(error?.rejectionMessage?.contains("UnicodeDecodeError") == true)
    }

    // MARK: Failures and process handling

    @Test func aRejectionShowsTheParsersMessageAndTheFirstLines() async throws {
        let text = Self.openMetrics.replacingOccurrences(of: "# EOF\n", with: "")
        let error = await #expect(throws: ExternalToolError.self) {
            try await parseWithPrometheusClient(text, format: .openMetrics)
        }
        let description = try #require(error).description
        #expect(description.contains("client_python's OpenMetrics parser rejected the exposition"))
        #expect(description.contains("Missing # EOF"))
        #expect(description.contains("   1 | # TYPE requests counter"))
        // The line feed inside the HELP text is escaped, so it stays one line.
        #expect(description.contains(#"   2 | # HELP requests Requests handled, by outcome.\nSecond line"#))
    }

    @Test func anExcerptShowsControlCharactersAndStopsAtTheLimit() {
        let text = (1...30).map { "line\($0)\r" }.joined(separator: "\n")
        let excerpt = expositionExcerpt(text, lineLimit: 3)
        #expect(excerpt == """
            Exposition (first 3 of 30 lines):
               1 | line1\\u{d}
               2 | line2\\u{d}
               3 | line3\\u{d}

            """)
    }

    @Test func aToolThatHangsIsKilledAtTheTimeout() async throws {
        let start = ContinuousClock.now
        let error = await #expect(throws: ExternalToolError.self) {
            try await runExternalTool(
                URL(fileURLWithPath: "/bin/sh"), arguments: ["-c", "exec sleep 60"],
                input: [], mergeOutput: false, timeout: .milliseconds(200))
        }
        guard case .timedOut = error else {
            Issue.record("expected a timeout, got \(String(describing: error))")
            return
        }
        #expect(ContinuousClock.now - start < .seconds(10))
    }

    @Test func aToolWritingMoreThanAPipeHoldsDoesNotStall() async throws {
        let input = (0..<(8 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let run = try await runExternalTool(
            URL(fileURLWithPath: "/bin/sh"), arguments: ["-c", "cat; cat >&2 </dev/null; head -c 1048576 </dev/zero >&2"],
            input: input, mergeOutput: false)
        #expect(run.exitCode == 0)
        #expect(run.standardOutput == input)
        #expect(run.standardError.count == 1 << 20)
    }
}

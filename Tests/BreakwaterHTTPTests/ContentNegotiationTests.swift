import BreakwaterMetrics
import Testing
@testable import BreakwaterHTTP

/// What Prometheus 2.42 sends when it scrapes.
private let prometheus2Accept =
    "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,"
    + "text/plain;version=0.0.4;q=0.5,*/*;q=0.1"

/// What Prometheus 3 sends when it scrapes.
private let prometheus3Accept =
    "application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.5,"
    + "application/openmetrics-text;version=0.0.1;q=0.4,"
    + "text/plain;version=1.0.0;escaping=allow-utf-8;q=0.3,text/plain;version=0.0.4;q=0.2,*/*;q=0.1"

/// Header values no client should send, and that must not crash the parser.
private let garbage: [String] = [
    ";;;,,,q=", ",", ";", "=", "q=", ";q=1", "/", "//", "*/", "/*", "a/b/c",
    "\"", "\"\"", "text/plain;v=\"unclosed", "text/plain;v=\"x\\", "text/plain;v=\"a\"b",
    "application/openmetrics-text;=", "application/openmetrics-text;q", "application/openmetrics-text;q==1",
    "application/openmetrics-text;q=0.1234", "application/openmetrics-text;q=-1",
    "application/openmetrics-text;q=1e0", "application/openmetrics-text;q=١",
    "appli\u{0301}cation/openmetrics-text", "application/openmetrics-text\u{0}",
    "🐳/🐳;q=1", "ＧＺＩＰ", "gzip\u{301}", ",\u{301}gzip", "\u{FEFF}gzip", "\r\n",
]

/// Long garbage, kept out of test arguments so that test reports stay readable.
private let longGarbage: [String] = [
    String(repeating: ";", count: 100_000),
    String(repeating: ",", count: 100_000),
    String(repeating: "\"", count: 100_001),
    String(repeating: "\\", count: 100_000),
    String(repeating: "x", count: 1_000_000),
    "text/plain;v=\"" + String(repeating: "🐳", count: 100_000),
    String(repeating: "q=;", count: 100_000),
]

@Suite struct ExpositionFormatNegotiationTests {
    @Test func prometheus2GetsOpenMetrics() {
        #expect(ContentNegotiation.expositionFormat(accept: [prometheus2Accept]) == .openMetrics)
    }

    @Test func prometheus3GetsOpenMetrics() {
        #expect(ContentNegotiation.expositionFormat(accept: [prometheus3Accept]) == .openMetrics)
    }

    @Test(arguments: [
        "application/openmetrics-text",
        "application/openmetrics-text;version=1.0.0",
        "application/openmetrics-text;version=0.0.1",
        "application/openmetrics-text; version=\"1.0.0\"; charset=utf-8",
    ])
    func openMetricsNamedWithAVersionWeWriteGetsOpenMetrics(accept: String) {
        #expect(ContentNegotiation.expositionFormat(accept: [accept]) == .openMetrics)
    }

    @Test(arguments: [[], [""], ["*/*"], ["text/plain;version=0.0.4"], ["text/plain"], ["application/json"],
                      ["text/html, application/xhtml+xml, */*;q=0.8"]])
    func clientsThatDoNotNameOpenMetricsGetText(accept: [String]) {
        #expect(ContentNegotiation.expositionFormat(accept: accept) == .prometheusText)
    }

    @Test func openMetricsAtWeightZeroGetsText() {
        #expect(ContentNegotiation.expositionFormat(accept: ["application/openmetrics-text;q=0"]) == .prometheusText)
    }

    @Test(arguments: ["application/openmetrics-text;version=2.0.0", "application/openmetrics-text;version=1.0"])
    func openMetricsVersionWeDoNotWriteGetsText(accept: String) {
        #expect(ContentNegotiation.expositionFormat(accept: [accept]) == .prometheusText)
    }

    @Test func wildcardsNeverSelectOpenMetrics() {
        #expect(ContentNegotiation.expositionFormat(accept: ["application/*, */*"]) == .prometheusText)
    }

    @Test func textWithAHigherWeightWins() {
        let accept = "application/openmetrics-text;q=0.5, text/plain;q=0.9"
        #expect(ContentNegotiation.expositionFormat(accept: [accept]) == .prometheusText)
    }

    @Test func equalWeightsFavourOpenMetrics() {
        let accept = "text/plain;version=0.0.4, application/openmetrics-text"
        #expect(ContentNegotiation.expositionFormat(accept: [accept]) == .openMetrics)
    }

    @Test func mostSpecificTextRangeDecidesTextWeight() {
        // text/* and */* would give text 1; text/plain;version=0.0.4 is more specific and says 0.1.
        let accept = "*/*, text/*, text/plain;version=0.0.4;q=0.1, application/openmetrics-text;q=0.5"
        #expect(ContentNegotiation.expositionFormat(accept: [accept]) == .openMetrics)
    }

    @Test func mostSpecificOpenMetricsRangeDecidesOpenMetricsWeight() {
        // The explicit refusal of 1.0.0, the version we write, beats the unversioned range.
        let accept = "application/openmetrics-text;version=1.0.0;q=0, application/openmetrics-text"
        #expect(ContentNegotiation.expositionFormat(accept: [accept]) == .prometheusText)
    }

    @Test func typesAndParameterNamesCompareCaseInsensitively() {
        let accept = "Application/OpenMetrics-Text; VERSION=1.0.0; Q=1, TEXT/PLAIN;q=0.5"
        #expect(ContentNegotiation.expositionFormat(accept: [accept]) == .openMetrics)
    }

    @Test func whitespaceAroundSeparatorsIsIgnored() {
        let accept = " \tapplication/openmetrics-text ; version = 1.0.0 ;\tq=0.9 ,  text/plain ; q=0.8 "
        #expect(ContentNegotiation.expositionFormat(accept: [accept]) == .openMetrics)
    }

    @Test func rangesFromSeveralFieldLinesAreCombined() {
        let accept = ["text/plain;version=0.0.4;q=0.5", "application/openmetrics-text;version=1.0.0"]
        #expect(ContentNegotiation.expositionFormat(accept: accept) == .openMetrics)
    }

    @Test(arguments: ["q=abc", "q=1.5", "q=2", "q=.5", "q=0.1234", "q=", "q=\"0.5\"", "q=0.5;q=0.5"])
    func rangeWithAMalformedWeightIsIgnored(weight: String) {
        let accept = "application/openmetrics-text;\(weight)"
        #expect(ContentNegotiation.expositionFormat(accept: [accept]) == .prometheusText)
    }

    @Test func malformedRangeLeavesTheOthersStanding() {
        let accept = "application/openmetrics-text;q=2, text/plain;q=0.1, "
            + "application/openmetrics-text;version=1.0.0;q=0.5"
        #expect(ContentNegotiation.expositionFormat(accept: [accept]) == .openMetrics)
    }

    @Test func commaInsideAQuotedParameterDoesNotSplitTheRange() {
        let accept = "application/openmetrics-text;comment=\"a, text/plain\";q=0.9, text/plain;q=0.8"
        #expect(ContentNegotiation.expositionFormat(accept: [accept]) == .openMetrics)
    }

    @Test(arguments: garbage)
    func garbageGetsText(accept: String) {
        #expect(ContentNegotiation.expositionFormat(accept: [accept]) == .prometheusText)
    }

    @Test func longGarbageGetsText() {
        #expect(ContentNegotiation.expositionFormat(accept: longGarbage) == .prometheusText)
        for accept in longGarbage {
            #expect(ContentNegotiation.expositionFormat(accept: [accept]) == .prometheusText)
        }
    }

    @Test func longListIsReadToItsEnd() {
        let accept = String(repeating: "text/html;q=0.9, ", count: 20_000) + "application/openmetrics-text"
        #expect(ContentNegotiation.expositionFormat(accept: [accept]) == .openMetrics)
    }
}

@Suite struct GzipNegotiationTests {
    @Test(arguments: ["gzip", "gzip, deflate, br", "GZIP", "x-gzip", "gzip;q=1.0", "gzip;q=1.000", " gzip ; q=1 "])
    func gzipNamedAtFullWeightIsAccepted(acceptEncoding: String) {
        #expect(ContentNegotiation.acceptsGzip(acceptEncoding: [acceptEncoding]))
    }

    @Test func wildcardAcceptsGzip() {
        #expect(ContentNegotiation.acceptsGzip(acceptEncoding: ["*"]))
    }

    @Test(arguments: ["gzip;q=0", "*;q=0", "gzip;q=0.000", "*, gzip;q=0"])
    func weightZeroRefusesGzip(acceptEncoding: String) {
        #expect(!ContentNegotiation.acceptsGzip(acceptEncoding: [acceptEncoding]))
    }

    @Test(arguments: [[], [""], ["deflate"], ["br, deflate"], ["identity"]])
    func gzipNotNamedAndNoWildcardIsRefused(acceptEncoding: [String]) {
        #expect(!ContentNegotiation.acceptsGzip(acceptEncoding: acceptEncoding))
    }

    @Test(arguments: ["gzip;q=0.5, identity", "gzip;q=0.5, *;q=0.8"])
    func identityWithAHigherWeightWins(acceptEncoding: String) {
        #expect(!ContentNegotiation.acceptsGzip(acceptEncoding: [acceptEncoding]))
    }

    @Test(arguments: ["gzip;q=0.5, identity;q=0.5", "gzip;q=0.5, *;q=0.1", "gzip;q=0.001, identity;q=0"])
    func gzipAtLeastAsWeightyAsIdentityIsAccepted(acceptEncoding: String) {
        #expect(ContentNegotiation.acceptsGzip(acceptEncoding: [acceptEncoding]))
    }

    @Test(arguments: ["gzip;q=0.5", "deflate, gzip;q=0.8"])
    func identityTheFieldDoesNotNameIsOnlyAFallback(acceptEncoding: String) {
        #expect(ContentNegotiation.acceptsGzip(acceptEncoding: [acceptEncoding]))
    }

    @Test func namedGzipOverridesTheWildcard() {
        #expect(ContentNegotiation.acceptsGzip(acceptEncoding: ["*;q=0, gzip"]))
    }

    @Test func codingsFromSeveralFieldLinesAreCombined() {
        #expect(ContentNegotiation.acceptsGzip(acceptEncoding: ["deflate", "gzip"]))
    }

    @Test(arguments: ["gzip;q=abc", "gzip;q=1.5", "gzip;q=", "gzip;q"])
    func gzipWithAMalformedWeightIsIgnored(acceptEncoding: String) {
        #expect(!ContentNegotiation.acceptsGzip(acceptEncoding: [acceptEncoding]))
    }

    @Test(arguments: garbage)
    func garbageIsRefused(acceptEncoding: String) {
        #expect(!ContentNegotiation.acceptsGzip(acceptEncoding: [acceptEncoding]))
    }

    @Test func longGarbageIsRefused() {
        #expect(!ContentNegotiation.acceptsGzip(acceptEncoding: longGarbage))
        for acceptEncoding in longGarbage {
            #expect(!ContentNegotiation.acceptsGzip(acceptEncoding: [acceptEncoding]))
        }
    }
}

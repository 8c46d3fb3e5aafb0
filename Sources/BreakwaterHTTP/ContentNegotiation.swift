// Which exposition format and which content coding a scrape gets, from its Accept and
// Accept-Encoding header fields (RFC 9110, sections 12.5.1 and 12.5.3). These fields come from
// the network, so parsing never fails: an element that does not parse is skipped, as if the
// client had not sent it, and the answer falls back to what every scraper reads.

import BreakwaterMetrics

/// Chooses a scrape response's format and coding from the request's header fields.
///
/// Each function takes every value of its field, because a field may appear more than once;
/// each value is a comma-separated list. Media types, codings and parameter names compare
/// case-insensitively, whitespace around `,`, `;` and `=` is ignored, and a weight (`q=`) must
/// follow RFC 9110's grammar (0 to 1, at most three decimals): an element with a malformed or
/// out-of-range weight is skipped.
enum ContentNegotiation {
    /// The format to render for a request with these `Accept` values.
    ///
    /// OpenMetrics is chosen only when the client names `application/openmetrics-text` itself,
    /// with no `version` or with version `1.0.0` or `0.0.1` (the draft that 1.0.0 kept
    /// compatible), at a weight above 0 and at least the weight text format 0.0.4 gets.
    /// Everything else gets ``ExpositionFormat/prometheusText``, which every scraper reads: no
    /// `Accept`, `*/*` alone, `application/json`, OpenMetrics versions we do not write, garbage.
    ///
    /// As RFC 9110 says, the most specific range that matches a format decides its weight:
    /// - OpenMetrics: `...;version=1.0.0`, then `...;version=0.0.1`, then no version. A
    ///   wildcard never selects it, since a client that merely tolerates anything should get
    ///   the format every client reads.
    /// - Text 0.0.4: `text/plain;version=0.0.4`, then `text/plain`, then `text/*`, then `*/*`.
    ///
    /// Parameters other than `version` and `q` (`charset`, `escaping`) are ignored. Among
    /// equally specific ranges the highest weight counts. Prometheus 2 and 3 both get OpenMetrics.
    static func expositionFormat(accept: [String]) -> ExpositionFormat {
        var openMetrics = Preference()
        var text = Preference()
        for element in ListElement.parse(accept) {
            let version = element.parameter("version")
            switch element.value {
            case "application/openmetrics-text":
                switch version {
                case "1.0.0": openMetrics.consider(element.weight, specificity: 3)
                case "0.0.1": openMetrics.consider(element.weight, specificity: 2)
                case nil: openMetrics.consider(element.weight, specificity: 1)
                default: break  // A version we do not write.
                }
            case "text/plain":
                switch version {
                case "0.0.4": text.consider(element.weight, specificity: 4)
                case nil: text.consider(element.weight, specificity: 3)
                default: break  // Such as Prometheus 3's version=1.0.0 (UTF-8 names).
                }
            case "text/*": text.consider(element.weight, specificity: 2)
            case "*/*": text.consider(element.weight, specificity: 1)
            default: break
            }
        }
        guard let openMetricsWeight = openMetrics.weight, openMetricsWeight > 0,
              openMetricsWeight >= text.weight ?? 0
        else { return .prometheusText }
        return .openMetrics
    }

    /// Whether to gzip the response to a request with these `Accept-Encoding` values.
    ///
    /// gzip's weight comes from `gzip` or its alias `x-gzip`, else from `*`; identity's (no
    /// coding) from `identity`, else from `*`. gzip wins when its weight is above 0 and at least
    /// identity's. Identity that the field does not name is only the fallback RFC 9110 allows
    /// by default, not a preference: `deflate, gzip;q=0.8` gets gzip, `gzip;q=0.5, identity`
    /// does not, and an empty or missing field, which allows identity only, does not.
    static func acceptsGzip(acceptEncoding: [String]) -> Bool {
        var gzip = Preference()
        var identity = Preference()
        for element in ListElement.parse(acceptEncoding) {
            switch element.value {
            case "gzip", "x-gzip": gzip.consider(element.weight, specificity: 2)
            case "identity": identity.consider(element.weight, specificity: 2)
            case "*":
                gzip.consider(element.weight, specificity: 1)
                identity.consider(element.weight, specificity: 1)
            default: break
            }
        }
        guard let gzipWeight = gzip.weight, gzipWeight > 0 else { return false }
        return gzipWeight >= identity.weight ?? 0
    }
}

extension ContentNegotiation {
    /// The weight of one response format or coding: the weight of the most specific element
    /// that matched it so far, the highest one among equally specific elements.
    private struct Preference {
        /// The weight in thousandths, 0...1000, or `nil` while no element matched.
        private(set) var weight: Int?
        /// How specific the element that set ``weight`` is; higher is more specific.
        private var specificity = 0

        /// Takes `weight` from an element that matched with `specificity`, if it decides.
        mutating func consider(_ weight: Int, specificity: Int) {
            if specificity > self.specificity {
                self.weight = weight
                self.specificity = specificity
            } else if specificity == self.specificity, let current = self.weight {
                self.weight = max(current, weight)
            }
        }
    }
}

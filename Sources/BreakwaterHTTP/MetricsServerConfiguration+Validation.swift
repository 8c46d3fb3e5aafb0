extension MetricsServerConfiguration {
    /// The largest head the HTTP decoder can be told to accept.
    static let requestHeadSizeRange = 1_024...81_920

    /// Throws for the first field outside what it allows.
    func validate() throws(MetricsServerError) {
        try check("port", port, in: 0...65_535)
        try check("maximumConcurrentScrapes", maximumConcurrentScrapes, in: 1...Int(Int32.max))
        try check("maximumConnections", maximumConnections, in: 1...Int(Int32.max))
        try check("maximumPipelinedRequests", maximumPipelinedRequests, in: 1...1_024)
        try check("maximumRequestHeadSize", maximumRequestHeadSize, in: Self.requestHeadSizeRange)
        try check("compressionLevel", compressionLevel, in: 1...9)
        try checkPositive("readTimeout", readTimeout)
        try checkPositive("idleTimeout", idleTimeout)
        try checkPositive("writeTimeout", writeTimeout)
        if host.isEmpty {
            throw .invalidConfiguration(field: "host", value: "\"\"", allowed: "an IP address or host name")
        }
        let pathIsValid = metricsPath.hasPrefix("/") && metricsPath != "/"
            && metricsPath.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "?") && $0 != UInt8(ascii: "#") }
            && metricsPath != "/circuits" && !metricsPath.hasPrefix("/circuits/")
        if !pathIsValid {
            throw .invalidConfiguration(
                field: "metricsPath",
                value: "\"\(metricsPath)\"",
                allowed: "a path starting with / of printable ASCII without ? or #, other than / and /circuits[/...]"
            )
        }
        if manualControl, basicAuthentication == nil {
            throw .invalidConfiguration(
                field: "manualControl", value: "true",
                allowed: "true only with basicAuthentication, so that every change has a user"
            )
        }
        let usernames = operators.map(\.username)
        if !operators.isEmpty, !manualControl {
            throw .invalidConfiguration(
                field: "operators", value: "\(usernames)", allowed: "empty unless manualControl is true")
        }
        let everyUsername = usernames + [basicAuthentication?.username].compactMap { $0 }
        if Set(everyUsername).count != everyUsername.count {
            throw .invalidConfiguration(
                field: "operators", value: "\(usernames)",
                allowed: "usernames different from each other and from basicAuthentication's")
        }
    }

    private func check(_ field: String, _ value: Int, in range: ClosedRange<Int>) throws(MetricsServerError) {
        if !range.contains(value) {
            throw .invalidConfiguration(field: field, value: String(value), allowed: "\(range.lowerBound)...\(range.upperBound)")
        }
    }

    private func checkPositive(_ field: String, _ value: Duration) throws(MetricsServerError) {
        if value <= .zero {
            throw .invalidConfiguration(field: field, value: "\(value)", allowed: "a duration above zero")
        }
    }
}

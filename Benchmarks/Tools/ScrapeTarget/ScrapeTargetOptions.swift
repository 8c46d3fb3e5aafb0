/// The command line of `scrape-target`, parsed by hand: five options do not need a parser.
struct ScrapeTargetOptions {
    /// How many synthetic circuits to serve. 1...100,000; default 100.
    var breakers = 100
    /// The port to listen on; 0 picks a free one (the log line "serving metrics" names it).
    var port = 9465
    /// The address to bind. Default 127.0.0.1: a load test stays on the machine.
    var host = "127.0.0.1"
    /// Bodies held at once before the listener answers 503; well above wrk's connections.
    var maximumConcurrentScrapes = 64
    /// Whether to run ``HostProbe`` beside the listener and print its figures.
    var probe = false
    /// `--help` was given.
    var showHelp = false

    static let usage = """
        usage: scrape-target [--breakers N] [--port P] [--host ADDRESS] [--max-concurrent-scrapes N] [--probe]

          --breakers N                 synthetic circuits to serve, 1...100000 (default 100)
          --port P                     TCP port, 0...65535; 0 picks a free one (default 9465)
          --host ADDRESS               address to bind (default 127.0.0.1)
          --max-concurrent-scrapes N   bodies held at once, 1...4096 (default 64)
          --probe                      measure how long a trivial async task waits to run, and
                                       print it every 5 s ("probe: ...")

        Serves /metrics until SIGINT or SIGTERM.
        """

    init(arguments: [String]) throws(ScrapeTargetOptionsError) {
        var remaining = arguments[...]
        while let option = remaining.popFirst() {
            switch option {
            case "--help", "-h":
                showHelp = true
            case "--probe":
                probe = true
            case "--breakers":
                breakers = try Self.integer(after: option, in: &remaining, allowed: 1...100_000)
            case "--port":
                port = try Self.integer(after: option, in: &remaining, allowed: 0...65_535)
            case "--max-concurrent-scrapes":
                maximumConcurrentScrapes = try Self.integer(after: option, in: &remaining, allowed: 1...4_096)
            case "--host":
                guard let value = remaining.popFirst(), !value.isEmpty else {
                    throw ScrapeTargetOptionsError(description: "--host needs an address, such as 127.0.0.1")
                }
                host = value
            default:
                throw ScrapeTargetOptionsError(description: "unknown option '\(option)'")
            }
        }
    }

    private static func integer(
        after option: String, in remaining: inout ArraySlice<String>, allowed: ClosedRange<Int>
    ) throws(ScrapeTargetOptionsError) -> Int {
        guard let text = remaining.popFirst() else {
            throw ScrapeTargetOptionsError(description: "\(option) needs a number in \(allowed.lowerBound)...\(allowed.upperBound)")
        }
        guard let value = Int(text), allowed.contains(value) else {
            throw ScrapeTargetOptionsError(
                description: "\(option) is '\(text)'; allowed: a whole number in \(allowed.lowerBound)...\(allowed.upperBound)")
        }
        return value
    }
}

/// What was wrong with the command line, and what is allowed.
struct ScrapeTargetOptionsError: Error, CustomStringConvertible {
    let description: String
}

/// Why TLS for the listener could not be set up from its files.
public struct MetricsServerTLSError: Error, Hashable, CustomStringConvertible {
    /// The file that could not be used.
    public var file: String
    /// What was wrong with it, as the TLS library reported it.
    public var reason: String

    public var description: String {
        "cannot set up TLS for serving metrics from \(file): \(reason)"
    }
}

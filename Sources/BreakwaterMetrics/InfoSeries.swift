/// A set of labels that describes the target, such as a version or a build: always the value 1.
/// One series of an ``InfoFamily``.
public final class InfoSeries: Sendable {
    let labelPairs: [UInt8]

    init(labelPairs: [UInt8]) {
        self.labelPairs = labelPairs
    }
}

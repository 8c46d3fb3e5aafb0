import Breakwater
import Logging

/// The lines a ``CapturingLogHandler`` was given.
package final class LogRecords: Sendable {
    package struct Line: Sendable {
        package var level: Logger.Level
        package var message: String
        package var metadata: [String: String]
    }

    package let lines = Guarded<[Line]>([])

    package init() {}
}

/// A log handler that keeps what it is given.
package struct CapturingLogHandler: LogHandler {
    package let records: LogRecords
    package var metadata: Logger.Metadata = [:]
    package var logLevel: Logger.Level = .trace

    package init(records: LogRecords) {
        self.records = records
    }

    package subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    package func log(event: LogEvent) {
        let metadata = (event.metadata ?? [:]).mapValues { "\($0)" }
        records.lines.withLock { $0.append(LogRecords.Line(level: event.level, message: "\(event.message)", metadata: metadata)) }
    }
}

// The standard process metrics every Prometheus client library exports, read the way
// client_golang's procfs-based collector (and client_python's ProcessCollector) reads them on
// Linux. Plain POSIX calls instead of Foundation: the library does not depend on Foundation,
// and a scrape reads all of this every time.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// One reading of the process metrics: `process_cpu_seconds_total`,
/// `process_resident_memory_bytes`, `process_virtual_memory_bytes`,
/// `process_start_time_seconds`, `process_open_fds` and `process_max_fds`.
///
/// A value that could not be read (no `/proc` on macOS or in a sandbox, a file the parser does
/// not understand) is `nil`, and the collector omits that metric rather than reporting a wrong
/// number or failing the scrape.
struct ProcessStatistics: Sendable, Equatable {
    /// User plus system CPU time, in seconds: `process_cpu_seconds_total`.
    var cpuSeconds: Double?
    /// Resident set size, in bytes: `process_resident_memory_bytes`.
    var residentMemoryBytes: Double?
    /// Virtual memory size, in bytes: `process_virtual_memory_bytes`.
    var virtualMemoryBytes: Double?
    /// When the process started, in seconds since the Unix epoch: `process_start_time_seconds`.
    var startTimeSeconds: Double?
    /// How many file descriptors the process has open: `process_open_fds`.
    var openFileDescriptors: Double?
    /// The soft limit on open file descriptors: `process_max_fds`. An unlimited limit reads as
    /// 2^64 - 1, as in client_golang.
    var maximumFileDescriptors: Double?
}

extension ProcessStatistics {
    /// The fields of `/proc/<pid>/stat` the statistics are made of, in the kernel's units.
    struct StatFields: Sendable, Equatable {
        /// Field 14, `utime`: time scheduled in user mode, in clock ticks.
        var userTicks: UInt64
        /// Field 15, `stime`: time scheduled in kernel mode, in clock ticks.
        var systemTicks: UInt64
        /// Field 22, `starttime`: when the process started, in clock ticks after boot.
        var startTicks: UInt64
        /// Field 23, `vsize`: virtual memory size, in bytes.
        var virtualMemoryBytes: UInt64
        /// Field 24, `rss`: resident set size, in pages.
        var residentPages: UInt64
    }

    /// Combines raw readings into the exported values, as client_golang does: CPU time is
    /// `(utime + stime) / ticks`, resident memory `rss * pageSize`, start time
    /// `btime + starttime / ticks`. A value whose inputs are missing is `nil`.
    init(
        stat: StatFields?,
        bootTimeSeconds: Double?,
        clockTicksPerSecond: Int?,
        pageSizeBytes: Int?,
        openFileDescriptors: Int?,
        maximumFileDescriptors: Double?
    ) {
        let ticksPerSecond = clockTicksPerSecond.flatMap { $0 > 0 ? Double($0) : nil }
        let pageSize = pageSizeBytes.flatMap { $0 > 0 ? Double($0) : nil }
        if let stat, let ticksPerSecond {
            cpuSeconds = (Double(stat.userTicks) + Double(stat.systemTicks)) / ticksPerSecond
        }
        if let stat, let pageSize {
            residentMemoryBytes = Double(stat.residentPages) * pageSize
        }
        if let stat {
            virtualMemoryBytes = Double(stat.virtualMemoryBytes)
        }
        if let stat, let ticksPerSecond, let bootTimeSeconds {
            startTimeSeconds = bootTimeSeconds + Double(stat.startTicks) / ticksPerSecond
        }
        self.openFileDescriptors = openFileDescriptors.map { Double($0) }
        self.maximumFileDescriptors = maximumFileDescriptors
    }
}

// MARK: - Reading the running process

extension ProcessStatistics {
    /// Reads the current process's statistics; fields it cannot read are `nil`.
    ///
    /// Reads `/proc/self/stat` and `/proc/stat` (into a stack buffer where they fit), lists
    /// `/proc/self/fd` and asks `getrlimit` for the descriptor limit. The open descriptor count
    /// includes the one that lists `/proc/self/fd` while it does so, as client_golang's and
    /// client_python's do. About 50 µs on a small VM, nearly all of it system calls.
    static func current() -> ProcessStatistics {
        let stat = withContentsOfFile(atPath: "/proc/self/stat") { parseStat($0) }
        let bootTime = stat == nil ? nil : withContentsOfFile(atPath: "/proc/stat") { parseBootTime(procStat: $0) }
        // getrlimit reads the same soft limit /proc/self/limits shows (RLIM_INFINITY is 2^64 - 1,
        // as procfs reads "unlimited"), for a twentieth of the cost, and works without /proc.
        let maximumOpenFiles =
            openFilesSoftLimit()
            ?? withContentsOfFile(atPath: "/proc/self/limits") { parseMaxOpenFiles(limits: $0) }
        return ProcessStatistics(
            stat: stat,
            bootTimeSeconds: bootTime,
            clockTicksPerSecond: systemConfiguration(Int32(_SC_CLK_TCK)),
            pageSizeBytes: systemConfiguration(Int32(_SC_PAGESIZE)),
            openFileDescriptors: countOpenFileDescriptors(),
            maximumFileDescriptors: maximumOpenFiles
        )
    }

    /// The number of entries in `/proc/self/fd` other than `.` and `..`, or `nil` when the
    /// directory cannot be listed.
    static func countOpenFileDescriptors() -> Int? {
        guard let directory = opendir("/proc/self/fd") else { return nil }
        defer { closedir(directory) }
        var count = 0
        errno = 0
        while let entry = readdir(directory) {
            let isDotOrDotDot = withUnsafeBytes(of: &entry.pointee.d_name) { name in
                name[0] == UInt8(ascii: ".")
                    && (name[1] == 0 || (name[1] == UInt8(ascii: ".") && name[2] == 0))
            }
            if !isDotOrDotDot {
                count += 1
            }
        }
        // readdir returns nil both at the end and on an error; only an error sets errno.
        return errno == 0 ? count : nil
    }

    /// The soft `RLIMIT_NOFILE` from `getrlimit`, as `process_max_fds` reports it.
    static func openFilesSoftLimit() -> Double? {
        var limit = rlimit()
        #if canImport(Glibc)
        let resource = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
        #else
        let resource = RLIMIT_NOFILE
        #endif
        guard getrlimit(resource, &limit) == 0 else { return nil }
        return Double(limit.rlim_cur)
    }

    private static func systemConfiguration(_ name: Int32) -> Int? {
        let value = sysconf(name)
        return value > 0 ? value : nil
    }

    /// Files larger than this are not what the parsers expect; refusing them bounds the memory a
    /// scrape can take. `/proc/stat` on a machine with hundreds of CPUs is some tens of KiB.
    private static let maximumFileSize = 4 << 20

    /// Reads the whole file at `path` with `open`/`read` and passes its bytes to `body`; `nil`
    /// when the file cannot be opened or read, or is larger than ``maximumFileSize``.
    ///
    /// The first 4 KiB go to a stack buffer, enough for `/proc/self/stat` and
    /// `/proc/self/limits`; only a larger file (such as `/proc/stat`) is read into an array.
    static func withContentsOfFile<Result>(
        atPath path: String,
        _ body: (UnsafeRawBufferPointer) -> Result?
    ) -> Result? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        return withUnsafeTemporaryAllocation(byteCount: 4096, alignment: 1) { buffer in
            guard let filled = readFully(descriptor, into: buffer) else { return nil }
            if filled < buffer.count {
                return body(UnsafeRawBufferPointer(rebasing: buffer[..<filled]))
            }
            var contents = [UInt8](UnsafeRawBufferPointer(buffer))
            while true {
                guard let more = readFully(descriptor, into: buffer) else { return nil }
                contents.append(contentsOf: UnsafeRawBufferPointer(rebasing: buffer[..<more]))
                guard contents.count <= maximumFileSize else { return nil }
                if more < buffer.count {
                    return contents.withUnsafeBytes(body)
                }
            }
        }
    }

    /// Reads until `buffer` is full or the file ends; the number of bytes read, or `nil` on an
    /// error. Files in `/proc` may return less than asked before their end, so one short read
    /// does not mean the end.
    private static func readFully(_ descriptor: Int32, into buffer: UnsafeMutableRawBufferPointer) -> Int? {
        var filled = 0
        while filled < buffer.count {
            let count = read(descriptor, buffer.baseAddress! + filled, buffer.count - filled)
            if count > 0 {
                filled += count
            } else if count == 0 {
                break
            } else if errno != EINTR {
                return nil
            }
        }
        return filled
    }
}

// MARK: - Parsing /proc texts

extension ProcessStatistics {
    /// Parses `/proc/<pid>/stat`: `nil` unless every field the statistics need is there and a
    /// non-negative integer.
    ///
    /// The second field is the command name in parentheses, and the name itself may contain
    /// spaces and parentheses (`(my (weird) proc)`), so the fields are counted from after the
    /// *last* `)`: no later field can contain one.
    static func parseStat<Bytes: BidirectionalCollection<UInt8>>(_ text: Bytes) -> StatFields? {
        guard let nameStart = text.firstIndex(of: UInt8(ascii: "(")),
            let nameEnd = text.lastIndex(of: UInt8(ascii: ")")),
            nameStart < nameEnd
        else { return nil }
        // proc(5) numbers the fields from 1; the state, field 3, is the first after the name.
        var fields = FieldScanner(text[text.index(after: nameEnd)...])
        guard fields.skip(14 - 3),
            let userTicks = fields.nextUnsigned(),  // 14
            let systemTicks = fields.nextUnsigned(),  // 15
            fields.skip(22 - 16),
            let startTicks = fields.nextUnsigned(),  // 22
            let virtualMemoryBytes = fields.nextUnsigned(),  // 23
            let residentPages = fields.nextUnsigned()  // 24
        else { return nil }
        return StatFields(
            userTicks: userTicks, systemTicks: systemTicks, startTicks: startTicks,
            virtualMemoryBytes: virtualMemoryBytes, residentPages: residentPages)
    }

    /// Parses the `btime` line of `/proc/stat`: the boot time in seconds since the Unix epoch.
    static func parseBootTime<Bytes: BidirectionalCollection<UInt8>>(procStat text: Bytes) -> Double? {
        guard let line = restOfLine(in: text, startingWith: "btime") else { return nil }
        var fields = FieldScanner(line)
        guard let field = fields.next(), let seconds = parseUnsigned(field) else { return nil }
        return Double(seconds)
    }

    /// Parses the soft limit of the `Max open files` line of `/proc/<pid>/limits`. `unlimited`
    /// reads as 2^64 - 1, as procfs (and so client_golang) reads it.
    static func parseMaxOpenFiles<Bytes: BidirectionalCollection<UInt8>>(limits text: Bytes) -> Double? {
        guard let line = restOfLine(in: text, startingWith: "Max open files") else { return nil }
        var fields = FieldScanner(line)
        guard let softLimit = fields.next() else { return nil }
        if softLimit.elementsEqual("unlimited".utf8) {
            return Double(UInt64.max)
        }
        return parseUnsigned(softLimit).map { Double($0) }
    }

    /// The rest of the first line that starts with `prefix` followed by a space or tab.
    private static func restOfLine<Bytes: Collection<UInt8>>(
        in text: Bytes, startingWith prefix: StaticString
    ) -> Bytes.SubSequence? {
        let prefix = UnsafeRawBufferPointer(start: prefix.utf8Start, count: prefix.utf8CodeUnitCount)
        var lineStart = text.startIndex
        while lineStart < text.endIndex {
            let lineEnd = text[lineStart...].firstIndex(of: UInt8(ascii: "\n")) ?? text.endIndex
            let line = text[lineStart..<lineEnd]
            if line.starts(with: prefix) {
                let rest = line.dropFirst(prefix.count)
                if let separator = rest.first, separator == UInt8(ascii: " ") || separator == UInt8(ascii: "\t") {
                    return rest
                }
            }
            lineStart = lineEnd == text.endIndex ? lineEnd : text.index(after: lineEnd)
        }
        return nil
    }

    /// A decimal integer that fits in 64 bits, with nothing else: `nil` for an empty field, a
    /// sign, any other character or an overflow.
    static func parseUnsigned<Digits: Collection<UInt8>>(_ digits: Digits) -> UInt64? {
        guard !digits.isEmpty else { return nil }
        var value: UInt64 = 0
        for byte in digits {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            let (shifted, overflowShift) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflowAdd) = shifted.addingReportingOverflow(UInt64(byte - UInt8(ascii: "0")))
            guard !overflowShift, !overflowAdd else { return nil }
            value = sum
        }
        return value
    }
}

/// Yields the fields of a text separated by runs of ASCII whitespace, without allocating.
private struct FieldScanner<Bytes: Collection<UInt8>>: IteratorProtocol {
    private let text: Bytes
    private var position: Bytes.Index

    init(_ text: Bytes) {
        self.text = text
        self.position = text.startIndex
    }

    mutating func next() -> Bytes.SubSequence? {
        while position < text.endIndex, Self.isWhitespace(text[position]) {
            text.formIndex(after: &position)
        }
        guard position < text.endIndex else { return nil }
        let start = position
        while position < text.endIndex, !Self.isWhitespace(text[position]) {
            text.formIndex(after: &position)
        }
        return text[start..<position]
    }

    /// Skips `count` fields; false when the text ends first.
    mutating func skip(_ count: Int) -> Bool {
        for _ in 0..<count where next() == nil {
            return false
        }
        return true
    }

    /// The next field as an unsigned decimal; `nil` when there is none or it is not one.
    mutating func nextUnsigned() -> UInt64? {
        next().flatMap { ProcessStatistics.parseUnsigned($0) }
    }

    private static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\t")
            || byte == UInt8(ascii: "\r")
    }
}

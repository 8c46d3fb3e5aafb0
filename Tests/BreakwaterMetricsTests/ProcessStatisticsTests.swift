import Testing

@testable import BreakwaterMetrics

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A `/proc/self/stat` line as Linux 6.x writes it, with a command name in the way of any
/// naive split: spaces, parentheses and a `)` followed by something that looks like a state.
private let weirdStat =
    "4242 (my (weird) proc) S 1 4242 4242 0 -1 4194560 1234 0 7 0 "
    + "250 75 0 0 20 0 9 0 987654 123456789 4321 18446744073709551615 1 1 0 0 0 0 0 4096 "
    + "17665 0 0 0 17 3 0 0 0 0 0 0 0 0 0 0 0 0 0\n"

@Suite("Process statistics: parsing /proc texts")
struct ProcessStatisticsParsingTests {
    @Test("stat fields are counted from after the last ')' of the command name")
    func statWithParenthesesInCommandName() {
        let fields = ProcessStatistics.parseStat(weirdStat.utf8)
        #expect(
            fields
                == ProcessStatistics.StatFields(
                    userTicks: 250, systemTicks: 75, startTicks: 987_654, virtualMemoryBytes: 123_456_789,
                    residentPages: 4321))
    }

    @Test("a command name that is only a ')' and spaces still parses")
    func statWithClosingParenthesisCommandName() {
        let text = "7 () ) ) R 1 7 7 0 -1 0 0 0 0 0 1 2 0 0 20 0 1 0 3 4 5 6"
        let fields = ProcessStatistics.parseStat(text.utf8)
        #expect(fields?.userTicks == 1)
        #expect(fields?.systemTicks == 2)
        #expect(fields?.startTicks == 3)
        #expect(fields?.virtualMemoryBytes == 4)
        #expect(fields?.residentPages == 5)
    }

    @Test("a real stat line of this system parses")
    func statOfAPlainCommand() {
        let text =
            "3223 (cat) R 3215 3215 2450 0 -1 4194304 100 0 0 0 0 0 0 0 20 0 1 0 431960 3133440 380 "
            + "18446744073709551615 94380284403712 94380284423593 140721429656432 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0"
        let fields = ProcessStatistics.parseStat(text.utf8)
        #expect(
            fields
                == ProcessStatistics.StatFields(
                    userTicks: 0, systemTicks: 0, startTicks: 431_960, virtualMemoryBytes: 3_133_440, residentPages: 380))
    }

    @Test("stat ending before the rss field is nil")
    func statMissingFields() {
        let truncated = "4242 (my (weird) proc) S 1 4242 4242 0 -1 4194560 1234 0 7 0 250 75 0 0 20 0 9 0 987654 123456789"
        #expect(ProcessStatistics.parseStat(truncated.utf8) == nil)
    }

    @Test("stat with a non-numeric or negative needed field is nil", arguments: [
        "1 (a) S 1 1 1 0 -1 0 0 0 0 0 x 75 0 0 20 0 1 0 3 4 5",
        "1 (a) S 1 1 1 0 -1 0 0 0 0 0 250 -75 0 0 20 0 1 0 3 4 5",
        "1 (a) S 1 1 1 0 -1 0 0 0 0 0 250 75 0 0 20 0 1 0 3 4 99999999999999999999",
        "1 (a) S 1 1 1 0 -1 0 0 0 0 0 250 75 0 0 20 0 1 0 3.5 4 5",
    ])
    func statWithBadNumbers(_ text: String) {
        #expect(ProcessStatistics.parseStat(text.utf8) == nil)
    }

    @Test("garbage is nil, not a crash", arguments: [
        "", " ", "\n", "(", ")", ")(", "()", "1 (", "1 )", "1 (a", "1 a) S 2 3",
        "\u{0}\u{0}\u{0}", "((((((((((", "))))))))))", "1 (a) ", "1 (a)S",
        String(repeating: "9", count: 10_000), "é (ü) ß 1 2 3",
    ])
    func garbageStat(_ text: String) {
        #expect(ProcessStatistics.parseStat(text.utf8) == nil)
    }

    @Test("the boot time is the btime line of /proc/stat")
    func bootTime() {
        let text = """
            cpu  10132153 290696 3084719 46828483 16683 0 25195 0 0 0
            cpu0 1393280 32966 572056 13343292 6130 0 17875 0 0 0
            intr 199292853 4 0 0 0 0 0 0 0 0 0
            ctxt 3025215431
            btime 1795931898
            processes 3420
            procs_running 2

            """
        #expect(ProcessStatistics.parseBootTime(procStat: text.utf8) == 1_795_931_898)
    }

    @Test("btime must start a line and be followed by a number", arguments: [
        "", "cpu 1 2 3\n", "xbtime 12\n", "btime\n", "btime \n", "btimes 12\n", "btime -12\n",
        "btime twelve\n", "cpu 1 btime 12\n",
    ])
    func missingBootTime(_ text: String) {
        #expect(ProcessStatistics.parseBootTime(procStat: text.utf8) == nil)
    }

    @Test("the last line needs no line feed")
    func bootTimeOnLastLineWithoutLineFeed() {
        #expect(ProcessStatistics.parseBootTime(procStat: "ctxt 1\nbtime 42".utf8) == 42)
    }

    private static let limits = """
        Limit                     Soft Limit           Hard Limit           Units     
        Max cpu time              unlimited            unlimited            seconds   
        Max file size             unlimited            unlimited            bytes     
        Max processes             96364                96364                processes 
        Max open files            20000                524288               files     
        Max locked memory         8388608              8388608              bytes     
        Max realtime timeout      unlimited            unlimited            us        

        """

    @Test("max open files is the soft limit, not the hard one")
    func maxOpenFilesSoftLimit() {
        #expect(ProcessStatistics.parseMaxOpenFiles(limits: Self.limits.utf8) == 20_000)
    }

    @Test("an unlimited max open files reads as 2^64 - 1, as in client_golang")
    func maxOpenFilesUnlimited() {
        let text = """
            Limit                     Soft Limit           Hard Limit           Units
            Max processes             96364                96364                processes
            Max open files            unlimited            unlimited            files
            Max locked memory         8388608              8388608              bytes

            """
        // client_golang exports float64(math.MaxUint64), which prints as 1.8446744073709552e+19.
        #expect(ProcessStatistics.parseMaxOpenFiles(limits: text.utf8) == Double(UInt64.max))
    }

    @Test("limits without a readable max open files line are nil", arguments: [
        "", "Limit                     Soft Limit           Hard Limit           Units\n",
        "Max open files\n", "Max open files            \n", "Max open files            lots       lots      files\n",
        "Max open filesystems      12          12        files\n", "  Max open files            12          12        files\n",
        "Max open files            -1          12        files\n",
    ])
    func maxOpenFilesMissing(_ text: String) {
        #expect(ProcessStatistics.parseMaxOpenFiles(limits: text.utf8) == nil)
    }

    @Test("the parsers read raw bytes that are not UTF-8")
    func invalidUTF8() {
        let bytes: [UInt8] = [0x31, 0x20, 0x28, 0xFF, 0xFE, 0x29, 0x20] + Array("S 1 1 1 0 -1 0 0 0 0 0 1 2 0 0 20 0 1 0 3 4 5".utf8)
        #expect(ProcessStatistics.parseStat(bytes)?.residentPages == 5)
        #expect(ProcessStatistics.parseBootTime(procStat: [0xFF, 0x0A] + Array("btime 9".utf8)) == 9)
        #expect(ProcessStatistics.parseMaxOpenFiles(limits: [UInt8](repeating: 0xFF, count: 64)) == nil)
    }

    @Test("unsigned numbers: digits only, 64 bits at most")
    func unsignedNumbers() {
        #expect(ProcessStatistics.parseUnsigned("0".utf8) == 0)
        #expect(ProcessStatistics.parseUnsigned("18446744073709551615".utf8) == UInt64.max)
        #expect(ProcessStatistics.parseUnsigned("18446744073709551616".utf8) == nil)
        #expect(ProcessStatistics.parseUnsigned("".utf8) == nil)
        #expect(ProcessStatistics.parseUnsigned("+1".utf8) == nil)
        #expect(ProcessStatistics.parseUnsigned("1 ".utf8) == nil)
    }

    @Test("the exported values combine the fields as client_golang does")
    func combination() {
        let stat = ProcessStatistics.parseStat(weirdStat.utf8)
        let statistics = ProcessStatistics(
            stat: stat, bootTimeSeconds: 1_700_000_000, clockTicksPerSecond: 100, pageSizeBytes: 4096,
            openFileDescriptors: 12, maximumFileDescriptors: 1024)
        #expect(
            statistics
                == ProcessStatistics(
                    cpuSeconds: 3.25, residentMemoryBytes: 4321 * 4096, virtualMemoryBytes: 123_456_789,
                    startTimeSeconds: 1_700_000_000 + 9876.54, openFileDescriptors: 12, maximumFileDescriptors: 1024))
    }

    @Test("a value whose inputs are missing is nil, the others are kept")
    func combinationWithMissingInputs() {
        let stat = ProcessStatistics.parseStat(weirdStat.utf8)
        let withoutBootTime = ProcessStatistics(
            stat: stat, bootTimeSeconds: nil, clockTicksPerSecond: 100, pageSizeBytes: 4096,
            openFileDescriptors: nil, maximumFileDescriptors: nil)
        #expect(withoutBootTime.startTimeSeconds == nil)
        #expect(withoutBootTime.cpuSeconds == 3.25)
        #expect(withoutBootTime.openFileDescriptors == nil)
        #expect(withoutBootTime.maximumFileDescriptors == nil)

        let withoutClock = ProcessStatistics(
            stat: stat, bootTimeSeconds: 1, clockTicksPerSecond: 0, pageSizeBytes: nil,
            openFileDescriptors: 3, maximumFileDescriptors: 8)
        #expect(withoutClock.cpuSeconds == nil)
        #expect(withoutClock.startTimeSeconds == nil)
        #expect(withoutClock.residentMemoryBytes == nil)
        #expect(withoutClock.virtualMemoryBytes == 123_456_789)
        #expect(withoutClock.openFileDescriptors == 3)

        let withoutStat = ProcessStatistics(
            stat: nil, bootTimeSeconds: 1, clockTicksPerSecond: 100, pageSizeBytes: 4096,
            openFileDescriptors: 3, maximumFileDescriptors: 8)
        #expect(withoutStat == ProcessStatistics(openFileDescriptors: 3, maximumFileDescriptors: 8))
    }

}

@Suite("Process statistics: reading files")
struct ProcessStatisticsFileTests {
    @Test("a file that does not exist reads as nil")
    func missingFile() {
        let contents = ProcessStatistics.withContentsOfFile(atPath: "/nonexistent/breakwater/stat") { _ in 1 }
        #expect(contents == nil)
    }

    @Test("a file is read whole, whether it fits the stack buffer or not", arguments: [0, 1, 4095, 4096, 4097, 8192, 10_000])
    func wholeFile(size: Int) throws {
        let written = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        let path = try Self.temporaryFile(containing: written)
        defer { unlink(path) }
        let read = ProcessStatistics.withContentsOfFile(atPath: path) { Array($0) }
        #expect(read == written)
    }

    @Test("a file larger than 4 MiB is refused")
    func oversizedFile() throws {
        let path = try Self.temporaryFile(containing: [UInt8](repeating: 0x20, count: (4 << 20) + 1))
        defer { unlink(path) }
        #expect(ProcessStatistics.withContentsOfFile(atPath: path) { $0.count } == nil)
    }

    private static func temporaryFile(containing bytes: [UInt8]) throws -> String {
        var template = Array("/tmp/breakwater-process-statistics-XXXXXX".utf8CString)
        let descriptor = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        try #require(descriptor >= 0)
        defer { close(descriptor) }
        let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        try #require(written == bytes.count)
        return template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }
}

#if os(Linux)
/// Readings of this test process. Serialized so that this suite's own descriptors do not
/// disturb its descriptor count; other suites may still run alongside.
@Suite("Process statistics: the running process", .serialized)
struct ProcessStatisticsCurrentProcessTests {
    @Test("on Linux every value is read")
    func everyValueIsRead() {
        let statistics = ProcessStatistics.current()
        #expect(statistics.cpuSeconds != nil)
        #expect(statistics.residentMemoryBytes != nil)
        #expect(statistics.virtualMemoryBytes != nil)
        #expect(statistics.startTimeSeconds != nil)
        #expect(statistics.openFileDescriptors != nil)
        #expect(statistics.maximumFileDescriptors != nil)
    }

    @Test("resident memory is positive and below virtual memory")
    func memory() throws {
        let statistics = ProcessStatistics.current()
        let resident = try #require(statistics.residentMemoryBytes)
        let virtual = try #require(statistics.virtualMemoryBytes)
        #expect(resident > 0)
        #expect(resident <= virtual)
    }

    @Test("the start time is within the last day and not in the future")
    func startTime() throws {
        let start = try #require(ProcessStatistics.current().startTimeSeconds)
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        let nowSeconds = Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
        // btime is whole seconds rounded down and starttime whole ticks rounded down, so the
        // reading is at or before the true start, which is before now.
        #expect(start <= nowSeconds)
        #expect(start > nowSeconds - 86_400)
    }

    @Test("opening a file adds one open descriptor")
    func openFileDescriptors() throws {
        // Other suites may open or close descriptors between two readings; a reading pair
        // that nothing else disturbed shows exactly one more, so try a few times.
        var differences: [Double] = []
        for _ in 0..<20 {
            let before = try #require(ProcessStatistics.current().openFileDescriptors)
            let descriptor = open("/dev/null", O_RDONLY | O_CLOEXEC)
            try #require(descriptor >= 0)
            let during = try #require(ProcessStatistics.current().openFileDescriptors)
            close(descriptor)
            differences.append(during - before)
            if during - before == 1 {
                break
            }
        }
        #expect(differences.last == 1, "differences seen: \(differences)")
    }

    @Test("the descriptor limit is the soft limit /proc/self/limits shows")
    func maximumFileDescriptors() throws {
        let fromProc = try #require(
            ProcessStatistics.withContentsOfFile(atPath: "/proc/self/limits") {
                ProcessStatistics.parseMaxOpenFiles(limits: $0)
            })
        #expect(ProcessStatistics.openFilesSoftLimit() == fromProc)
        #expect(ProcessStatistics.current().maximumFileDescriptors == fromProc)
    }

    @Test("CPU time grows while the process computes")
    func cpuSeconds() throws {
        let before = try #require(ProcessStatistics.current().cpuSeconds)
        var after = before
        var accumulator: UInt64 = 0x9E37_79B9_7F4A_7C15
        let deadline = Self.monotonicSeconds() + 30
        // CPU time advances in clock ticks (10 ms): compute in slices until one has passed.
        while after <= before, Self.monotonicSeconds() < deadline {
            for index in 0..<2_000_000 {
                accumulator = (accumulator ^ UInt64(truncatingIfNeeded: index)) &* 0x100_0000_01B3
            }
            after = try #require(ProcessStatistics.current().cpuSeconds)
        }
        #expect(after > before)
        #expect(accumulator != 0)
    }

    private static func monotonicSeconds() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }
}
#endif

/// The process metrics every Prometheus client library exports, with client_golang's names, read
/// from `/proc` at each scrape.
struct ProcessMetrics: Sendable {
    private let cpuSeconds: FloatingCounterFamily
    private let residentMemory: GaugeFamily
    private let virtualMemory: GaugeFamily
    private let startTime: GaugeFamily
    private let openFileDescriptors: GaugeFamily
    private let maximumFileDescriptors: GaugeFamily

    init(in collector: MetricsCollector) throws(MetricsRegistrationError) {
        cpuSeconds = try collector.floatingCounter(
            name: "process_cpu_seconds_total", help: "Total user and system CPU time spent in seconds.")
        residentMemory = try collector.gauge(name: "process_resident_memory_bytes", help: "Resident memory size in bytes.")
        virtualMemory = try collector.gauge(name: "process_virtual_memory_bytes", help: "Virtual memory size in bytes.")
        startTime = try collector.gauge(
            name: "process_start_time_seconds", help: "Start time of the process since unix epoch in seconds.")
        openFileDescriptors = try collector.gauge(name: "process_open_fds", help: "Number of open file descriptors.")
        maximumFileDescriptors = try collector.gauge(name: "process_max_fds", help: "Maximum number of open file descriptors.")
    }

    /// Reads the process's statistics and sets the series; one the system does not tell (outside
    /// Linux, say) is left out of the exposition rather than shown as zero.
    func update() {
        let statistics = ProcessStatistics.current()
        if let seconds = statistics.cpuSeconds, let series = try? cpuSeconds.labels() {
            series.store(seconds)
        } else {
            cpuSeconds.remove(labels: [])
        }
        set(residentMemory, statistics.residentMemoryBytes)
        set(virtualMemory, statistics.virtualMemoryBytes)
        set(startTime, statistics.startTimeSeconds)
        set(openFileDescriptors, statistics.openFileDescriptors)
        set(maximumFileDescriptors, statistics.maximumFileDescriptors)
    }

    private func set(_ family: GaugeFamily, _ value: Double?) {
        if let value, let series = try? family.labels() {
            series.set(value)
        } else {
            family.remove(labels: [])
        }
    }
}

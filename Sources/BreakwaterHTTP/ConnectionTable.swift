import Breakwater
import NIOCore
import NIOHTTP1

/// A connection wrapped for async use: whole requests in, whole responses out.
typealias HTTPConnectionChannel = NIOAsyncChannel<Request, Response>

/// The open connections of one server: enforces the connection limit, tells every connection to
/// finish up when the server shuts down gracefully, and makes sure every accepted connection is
/// served or closed by some task.
///
/// At the limit, a new connection takes the place of one that holds no work: one draining before
/// its close, else the longest idle, else the one that has been receiving a request the longest.
/// Silent or trickling clients therefore cannot lock a scraper out, however many they hold; only
/// connections the server owes or is writing a response are kept, and those are bounded by
/// ``BodyBudget`` and the write timeout.
///
/// That last duty exists because NIO drops a connection it accepted while the server channel was
/// closing, and a dropped `NIOAsyncChannel` whose writer was never finished stops the process. The
/// table holds each connection from its setup until a task claims it; what no task claimed by the
/// time the server stops accepting is closed by the server (``drainUnclaimed()``).
final class ConnectionTable: Sendable {
    private struct Entry {
        let channel: any Channel
        var phase: ConnectionPhase
        /// When the connection entered its phase.
        var since: NIODeadline
    }

    private struct State {
        var channels: [ObjectIdentifier: Entry] = [:]
        var unclaimed: [ObjectIdentifier: HTTPConnectionChannel] = [:]
        var quiescing = false
        var drained = false
    }

    private let maximum: Int
    private let state = Guarded(State())

    init(maximum: Int) {
        self.maximum = maximum
    }

    /// Adds `channel`, idle since `now`, and arranges its removal when it closes; at the limit it
    /// closes the connection that can best give way first. Returns `false`, adding nothing, when
    /// the server is shutting down or every connection is busy.
    func admit(_ channel: any Channel, now: NIODeadline) -> Bool {
        let (admitted, evicted) = state.withLock { state -> (Bool, (any Channel)?) in
            guard !state.quiescing else { return (false, nil) }
            var evicted: (any Channel)?
            if state.channels.count >= maximum {
                guard let victim = Self.eviction(in: state.channels) else { return (false, nil) }
                evicted = state.channels.removeValue(forKey: victim)?.channel
            }
            state.channels[ObjectIdentifier(channel)] = Entry(channel: channel, phase: .idle, since: now)
            return (true, evicted)
        }
        evicted?.close(promise: nil)
        if admitted {
            let key = ObjectIdentifier(channel)
            channel.closeFuture.whenComplete { [self] _ in
                _ = state.withLock { $0.channels.removeValue(forKey: key) }
            }
        }
        return admitted
    }

    /// Records that the connection of `channel` entered `phase` at `now`.
    func update(_ channel: ObjectIdentifier, to phase: ConnectionPhase, at now: NIODeadline) {
        state.withLock { state in
            state.channels[channel]?.phase = phase
            state.channels[channel]?.since = now
        }
    }

    /// How many connections are open, by phase.
    var census: [ConnectionPhase: Int] {
        state.withLock { state in
            state.channels.values.reduce(into: [:]) { $0[$1.phase, default: 0] += 1 }
        }
    }

    /// The connection to close for a newcomer: the lowest phase that may give way, and in it the
    /// one that entered it first; `nil` when all are busy.
    private static func eviction(in channels: [ObjectIdentifier: Entry]) -> ObjectIdentifier? {
        var best: (key: ObjectIdentifier, phase: ConnectionPhase, since: NIODeadline)?
        for (key, entry) in channels where entry.phase.isEvictable {
            if let current = best, (current.phase, current.since) <= (entry.phase, entry.since) { continue }
            best = (key, entry.phase, entry.since)
        }
        return best?.key
    }

    /// Keeps an admitted connection's wrapper until a task claims it. After the server drained
    /// the table, the connection is closed at once instead.
    func hold(_ connection: HTTPConnectionChannel) {
        let late = state.withLock { state in
            guard !state.drained else { return true }
            state.unclaimed[ObjectIdentifier(connection.channel)] = connection
            return false
        }
        if late {
            Task { try? await connection.executeThenClose { _, _ in } }
        }
    }

    /// Takes `connection` for the accept loop to serve; `false` when the server already took it
    /// to close it.
    func claim(_ connection: HTTPConnectionChannel) -> Bool {
        state.withLock { $0.unclaimed.removeValue(forKey: ObjectIdentifier(connection.channel)) != nil }
    }

    /// The connections no task claimed; from now on, a connection set up late is closed by
    /// ``hold(_:)`` itself.
    func drainUnclaimed() -> [HTTPConnectionChannel] {
        state.withLock { state in
            state.drained = true
            defer { state.unclaimed.removeAll() }
            return Array(state.unclaimed.values)
        }
    }

    /// Refuses new connections from now on and asks every open one to close once its request in
    /// flight, if any, is answered. Each connection's ``HTTPConnectionHandler`` acts on the event:
    /// an idle connection closes at once, a busy one after its response.
    func quiesce() {
        let channels = state.withLock { state in
            state.quiescing = true
            return state.channels.values.map(\.channel)
        }
        for channel in channels {
            channel.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
        }
    }

    /// Closes every open connection now, answered or not.
    func closeAll() {
        let channels = state.withLock { state in
            state.quiescing = true
            return state.channels.values.map(\.channel)
        }
        for channel in channels {
            channel.close(promise: nil)
        }
    }
}

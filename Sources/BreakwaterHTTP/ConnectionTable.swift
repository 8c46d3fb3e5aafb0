import Breakwater
import NIOCore
import NIOHTTP1

/// A connection wrapped for async use: request parts in, response parts out.
typealias HTTPConnectionChannel = NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>

/// The open connections of one server: enforces the connection limit, tells every connection to
/// finish up when the server shuts down gracefully, and makes sure every accepted connection is
/// served or closed by some task.
///
/// That last duty exists because NIO drops a connection it accepted while the server channel was
/// closing, and a dropped `NIOAsyncChannel` whose writer was never finished stops the process. The
/// table holds each connection from its setup until a task claims it; what no task claimed by the
/// time the server stops accepting is closed by the server (``drainUnclaimed()``).
final class ConnectionTable: Sendable {
    private struct State {
        var channels: [ObjectIdentifier: any Channel] = [:]
        var unclaimed: [ObjectIdentifier: HTTPConnectionChannel] = [:]
        var quiescing = false
        var drained = false
    }

    private let maximum: Int
    private let state = Guarded(State())

    init(maximum: Int) {
        self.maximum = maximum
    }

    /// Adds `channel` and arranges its removal when it closes; returns `false`, adding nothing,
    /// when the table is full or the server is shutting down.
    func admit(_ channel: any Channel) -> Bool {
        let admitted = state.withLock { state in
            guard !state.quiescing, state.channels.count < maximum else { return false }
            state.channels[ObjectIdentifier(channel)] = channel
            return true
        }
        if admitted {
            let key = ObjectIdentifier(channel)
            channel.closeFuture.whenComplete { [self] _ in
                _ = state.withLock { $0.channels.removeValue(forKey: key) }
            }
        }
        return admitted
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
    /// flight, if any, is answered. NIO's HTTP pipelining handler acts on the event: an idle
    /// connection closes at once, a busy one after its response.
    func quiesce() {
        let channels = state.withLock { state in
            state.quiescing = true
            return Array(state.channels.values)
        }
        for channel in channels {
            channel.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
        }
    }

    /// Closes every open connection now, answered or not.
    func closeAll() {
        let channels = state.withLock { state in
            state.quiescing = true
            return Array(state.channels.values)
        }
        for channel in channels {
            channel.close(promise: nil)
        }
    }
}

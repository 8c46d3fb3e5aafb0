import Breakwater
import NIOCore

/// The open connections of one server: enforces the connection limit, and tells every connection
/// to finish up when the server shuts down gracefully.
final class ConnectionTable: Sendable {
    private struct State {
        var channels: [ObjectIdentifier: any Channel] = [:]
        var quiescing = false
    }

    private let maximum: Int
    private let state = Guarded(State())

    init(maximum: Int) {
        self.maximum = maximum
    }

    /// The connections open now.
    var count: Int {
        state.withLock { $0.channels.count }
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

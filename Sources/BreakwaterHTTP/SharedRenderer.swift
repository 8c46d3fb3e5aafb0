import Breakwater
import NIOCore
import NIOPosix

/// Renders response bodies on a thread pool of the server's own, never on Swift concurrency's
/// threads, and shares each render among every request that it can answer.
///
/// For each ``BodyKey`` at most one render runs at a time. A request joins the running render if
/// that render began after the request arrived; otherwise it waits for the next render, which
/// begins when the running one ends and answers every request that arrived meanwhile. So any
/// number of concurrent scrapes (Prometheus HA pairs scrape every target twice per interval) cost
/// at most two renders, and no scrape is answered with data older than its request.
final class SharedRenderer: Sendable {
    private struct KeyState {
        var running: (startedAt: NIODeadline, body: EventLoopFuture<RenderedBody>)?
        /// The render that begins when the running one ends, for the requests waiting for it.
        var next: EventLoopPromise<RenderedBody>?
        /// The size of the last body, to reserve the next one's buffer at once.
        var lastSize = 0
    }

    private let threadPool: NIOThreadPool
    private let eventLoop: any EventLoop
    private let budget: BodyBudget
    private let render: @Sendable (BodyKey, _ sizeHint: Int) throws -> ByteBuffer
    private let states = Guarded([BodyKey: KeyState]())

    /// A renderer that runs `render` on `threadPool`, which the caller starts and shuts down,
    /// completes its futures on `eventLoop`, and begins a render only with room in `budget`.
    init(
        threadPool: NIOThreadPool,
        eventLoop: any EventLoop,
        budget: BodyBudget,
        render: @escaping @Sendable (BodyKey, _ sizeHint: Int) throws -> ByteBuffer
    ) {
        self.threadPool = threadPool
        self.eventLoop = eventLoop
        self.budget = budget
        self.render = render
    }

    /// The body for `key` for a request that arrived at `arrival`: from a render that began at or
    /// after `arrival`, shared with whoever else it answers.
    ///
    /// - Throws: ``BodyBudgetExhaustedError`` when a render must begin and the budget is spent; what the
    ///   render threw; `NIOThreadPoolError.ThreadPoolInactive` when the server is stopping.
    func body(for key: BodyKey, arrivedAt arrival: NIODeadline) async throws -> RenderedBody {
        let (body, started) = states.withLock { states -> (EventLoopFuture<RenderedBody>, EventLoopFuture<RenderedBody>?) in
            var state = states[key, default: KeyState()]
            defer { states[key] = state }
            if let running = state.running {
                if running.startedAt >= arrival {
                    return (running.body, nil)
                }
                let next = state.next ?? eventLoop.makePromise()
                state.next = next
                return (next.futureResult, nil)
            }
            let started = start(key, sizeHint: state.lastSize)
            state.running = started
            return (started.body, started.body)
        }
        if let started {
            watch(started, of: key)
        }
        return try await body.get()
    }

    /// Begins a render of `key` on the pool, or fails at once when the budget has no room for a
    /// body of the last one's size; the caller records it as running.
    private func start(_ key: BodyKey, sizeHint: Int) -> (startedAt: NIODeadline, body: EventLoopFuture<RenderedBody>) {
        let startedAt = NIODeadline.now()
        guard let reservation = budget.reserve(sizeHint) else {
            return (startedAt, eventLoop.makeFailedFuture(BodyBudgetExhaustedError()))
        }
        let render = self.render
        let body = threadPool.runIfActive(eventLoop: eventLoop) {
            let bytes = try render(key, sizeHint)
            reservation.settle(to: bytes.capacity)
            return RenderedBody(key: key, bytes: bytes, startedAt: startedAt, reservation: reservation)
        }
        return (startedAt, body)
    }

    /// When `body` is rendered, starts the next render of `key` if requests wait for one.
    private func watch(_ body: EventLoopFuture<RenderedBody>, of key: BodyKey) {
        body.whenComplete { result in
            let next = self.states.withLock { states -> (EventLoopPromise<RenderedBody>, EventLoopFuture<RenderedBody>)? in
                guard var state = states[key] else { return nil }
                defer { states[key] = state }
                if case .success(let rendered) = result {
                    state.lastSize = rendered.bytes.readableBytes
                }
                state.running = nil
                guard let waiting = state.next else { return nil }
                state.next = nil
                let started = self.start(key, sizeHint: state.lastSize)
                state.running = started
                return (waiting, started.body)
            }
            if let (waiting, started) = next {
                started.cascade(to: waiting)
                self.watch(started, of: key)
            }
        }
    }
}

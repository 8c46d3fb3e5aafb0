import Foundation

/// Runs blocking `work` (a socket read, a child process) on a thread of its own and awaits its
/// result, so that tests never block one of the few threads Swift concurrency runs everything
/// on, including the server under test.
package func offloaded<Result: Sendable>(
    _ work: @escaping @Sendable () throws -> Result
) async throws -> Result {
    try await withCheckedThrowingContinuation { continuation in
        let thread = Thread {
            continuation.resume(with: Swift.Result { try work() })
        }
        thread.stackSize = 1 << 20
        thread.start()
    }
}

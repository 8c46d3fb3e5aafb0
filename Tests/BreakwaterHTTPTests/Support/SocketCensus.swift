import Foundation

/// Counts this process's open file descriptors that are TCP sockets on `port` locally: the
/// server's listening socket and every connection it accepted, and nothing of the test's own
/// clients (whose local ports are ephemeral) or of other tests running at the same time.
///
/// Linux only: it matches `/proc/self/fd` links (`socket:[inode]`) against the inodes that
/// `/proc/net/tcp` and `/proc/net/tcp6` list for the port.
func openServerSockets(port: Int) -> Int {
    let inodes = socketInodes(localPort: port)
    let descriptors = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
    return descriptors.count { descriptor in
        guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/\(descriptor)"),
            target.hasPrefix("socket:["), target.hasSuffix("]")
        else { return false }
        return inodes.contains(String(target.dropFirst(8).dropLast()))
    }
}

/// The inodes of the TCP sockets whose local port is `port`.
private func socketInodes(localPort port: Int) -> Set<String> {
    let portHex = String(format: ":%04X", port)
    var inodes = Set<String>()
    for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
        // Read to the end: the file reports a size of 0, and a reader that trusts the size
        // stops after the first page, missing the sockets listed further down.
        guard let handle = FileHandle(forReadingAtPath: table), let data = try? handle.readToEnd() else { continue }
        let text = String(decoding: data, as: UTF8.self)
        for line in text.split(separator: "\n").dropFirst() {
            let fields = line.split(separator: " ")
            // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode
            guard fields.count > 9, fields[1].hasSuffix(portHex) else { continue }
            inodes.insert(String(fields[9]))
        }
    }
    return inodes
}

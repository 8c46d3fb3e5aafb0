#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// What tells that a file changed without reading it: the file a path leads to (symbolic links
/// followed, so a Kubernetes secret's `..data` swap counts), its size, and when its content and
/// its inode last changed. `nil` fields for a path that leads nowhere.
struct FileStamp: Hashable, Sendable {
    private var device: UInt64?
    private var inode: UInt64?
    private var size: Int64?
    private var modified: Int64?
    private var changed: Int64?

    /// The stamp of the file at `path` now.
    init(path: String) {
        var info = stat()
        guard stat(path, &info) == 0 else { return }
        device = UInt64(info.st_dev)
        inode = UInt64(info.st_ino)
        size = Int64(info.st_size)
        #if canImport(Darwin)
        modified = Int64(info.st_mtimespec.tv_sec) * 1_000_000_000 + Int64(info.st_mtimespec.tv_nsec)
        changed = Int64(info.st_ctimespec.tv_sec) * 1_000_000_000 + Int64(info.st_ctimespec.tv_nsec)
        #else
        modified = Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec)
        changed = Int64(info.st_ctim.tv_sec) * 1_000_000_000 + Int64(info.st_ctim.tv_nsec)
        #endif
    }
}

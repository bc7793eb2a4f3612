// File I/O on POSIX calls (the engine keeps Foundation out): an atomic whole-file writer and positioned reads.
#if canImport(Glibc)
import Glibc
#endif

/// The message for the current `errno`, e.g. "No such file or directory".
func errnoMessage(_ code: Int32 = errno) -> String { String(cString: strerror(code)) }

/// The folder part of a path ("." for a bare file name) and the file name.
func splitPath(_ path: String) -> (folder: String, file: String) {
    guard let slash = path.lastIndex(of: "/") else { return (".", path) }
    let folder = String(path[..<slash])
    return (folder.isEmpty ? "/" : folder, String(path[path.index(after: slash)...]))
}

/// Writes a whole file atomically: the bytes go to a new, uniquely named file in the target's folder, which is
/// flushed to disk (`fsync`), renamed over the target, and the folder is flushed so the rename itself survives a
/// power cut. A crash at any point leaves either the old file or the complete new one under `path`, never a
/// partial one; a failure removes the temporary file.
///
/// `body` receives a `write` function to call with consecutive chunks of the file.
func writeFileAtomically(_ path: String, _ body: (_ write: (UnsafeRawBufferPointer) throws -> Void) throws -> Void) throws {
    let (folder, file) = splitPath(path)
    guard !file.isEmpty, file != ".", file != ".." else {
        throw AgentNetError(.io, "cannot write \(path): not a file name")
    }
    var fd: Int32 = -1
    var temp = ""
    for _ in 0..<16 {
        temp = "\(folder)/.\(file).tmp-\(getpid())-\(UInt64.random(in: 0...UInt64.max) & 0xFFFF_FFFF_FFFF)"
        fd = open(temp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
        if fd >= 0 || errno != EEXIST { break }
    }
    guard fd >= 0 else { throw AgentNetError(.io, "cannot create a temporary file in \(folder): \(errnoMessage())") }
    var open_ = true
    do {
        try body { chunk in
            guard var p = chunk.baseAddress else { return }
            var left = chunk.count
            while left > 0 {
                let n = Glibc.write(fd, p, min(left, 1 << 30))
                if n < 0 {
                    if errno == EINTR { continue }
                    throw AgentNetError(.io, "cannot write \(path): \(errnoMessage())")
                }
                p += n
                left -= n
            }
        }
        guard fsync(fd) == 0 else { throw AgentNetError(.io, "cannot write \(path): fsync failed: \(errnoMessage())") }
        open_ = false
        guard close(fd) == 0 else { throw AgentNetError(.io, "cannot write \(path): close failed: \(errnoMessage())") }
        guard rename(temp, path) == 0 else { throw AgentNetError(.io, "cannot write \(path): \(errnoMessage())") }
    } catch {
        if open_ { close(fd) }
        unlink(temp)
        throw error
    }
    // The new file is in place; flushing the folder makes the rename durable. Not every file system lets a
    // folder be opened or flushed, and the data is already safe, so failures here are not errors.
    let dir = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    if dir >= 0 {
        _ = fsync(dir)
        close(dir)
    }
}

/// A file opened for reading, closed when released.
final class ReadableFile {
    let path: String
    let fd: Int32
    /// The size when opened.
    let size: Int

    init(_ path: String) throws {
        self.path = path
        fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw AgentNetError(.io, "cannot open \(path): \(errnoMessage())") }
        var st = stat()
        guard fstat(fd, &st) == 0 else {
            let message = errnoMessage()
            close(fd)
            throw AgentNetError(.io, "cannot read \(path): \(message)")
        }
        guard (st.st_mode & S_IFMT) == S_IFREG else {
            close(fd)
            throw AgentNetError(.io, "cannot read \(path): not a regular file")
        }
        size = Int(st.st_size)
    }

    deinit { close(fd) }

    /// Reads exactly `count` bytes at `offset` into `destination`; a file that shrank since it was opened is an error.
    func read(into destination: UnsafeMutableRawPointer, count: Int, at offset: Int) throws {
        var done = 0
        while done < count {
            let n = pread(fd, destination + done, min(count - done, 1 << 30), off_t(offset + done))
            if n < 0 {
                if errno == EINTR { continue }
                throw AgentNetError(.io, "cannot read \(path): \(errnoMessage())")
            }
            if n == 0 { throw AgentNetError(.io, "cannot read \(path): the file ends early (it changed while it was read)") }
            done += n
        }
    }

    func bytes(count: Int, at offset: Int) throws -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        try out.withUnsafeMutableBytes { if count > 0 { try read(into: $0.baseAddress!, count: count, at: offset) } }
        return out
    }
}

import AgentNetTestSupport
import Glibc

/// The directory of this source file (the fixtures and README.md are read from the source tree; no Foundation).
func sourceDirectory(_ file: String = #filePath) -> String { String(file[..<file.lastIndex(of: "/")!]) }

/// The text of the file at `path` (read with fopen: no Foundation).
func readText(_ path: String) throws -> String {
    guard let f = fopen(path, "rb") else { throw CheckFailure("cannot open \(path)") }
    defer { fclose(f) }
    var bytes: [UInt8] = [], chunk = [UInt8](repeating: 0, count: 1 << 16)
    while true {
        let n = fread(&chunk, 1, chunk.count, f)
        if n == 0 { break }
        bytes += chunk[0..<n]
    }
    return String(decoding: bytes, as: UTF8.self)
}

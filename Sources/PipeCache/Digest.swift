import Crypto
import Foundation

/// A SHA-256 digest, shown as 64 lowercase hex characters.
public struct Digest: Sendable, Hashable, Codable, CustomStringConvertible, Comparable {
    public let hex: String

    public init?(hex: String) {
        guard hex.count == 64, hex.allSatisfy({ $0.isHexDigit && !$0.isUppercase }) else { return nil }
        self.hex = hex
    }

    init(_ digest: SHA256.Digest) {
        self.hex = digest.map { byte in
            let s = String(byte, radix: 16)
            return byte < 16 ? "0" + s : s
        }.joined()
    }

    public static func of(_ data: some DataProtocol) -> Digest { Digest(SHA256.hash(data: data)) }
    public static func of(_ text: String) -> Digest { of(Data(text.utf8)) }

    /// Streams a file through SHA-256 without loading it whole.
    public static func ofFile(at url: URL) throws -> Digest {
        // Refused before opening: open(2) of a FIFO blocks, a device may never end.
        var info = stat()
        guard stat(url.path, &info) == 0 else {
            throw CacheError.unreadable(url.path, reason: String(cString: strerror(errno)))
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            throw CacheError.unreadable(url.path, reason: "not a regular file")
        }
        guard let handle = FileHandle(forReadingAtPath: url.path) else {
            throw CacheError.unreadable(url.path, reason: "cannot open for reading")
        }
        defer { try? handle.close() }
        var hasher = SHA256()
        while true {
            let chunk = try handle.read(upToCount: 4 << 20) ?? Data()
            if chunk.isEmpty { break }
            hasher.update(data: chunk)
        }
        return Digest(hasher.finalize())
    }

    public var description: String { hex }
    public var short: String { String(hex.prefix(12)) }

    public init(from decoder: Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let digest = Digest(hex: text) else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: "not a SHA-256 hex digest: \(text)"))
        }
        self = digest
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(hex)
    }

    public static func < (a: Digest, b: Digest) -> Bool { a.hex < b.hex }
}

/// Incremental SHA-256 for streams.
public struct StreamingDigest {
    private var hasher = SHA256()
    public init() {}
    public mutating func update(_ bytes: UnsafeRawBufferPointer) { hasher.update(bufferPointer: bytes) }
    public mutating func update(_ data: Data) { hasher.update(data: data) }
    public func finalize() -> Digest { Digest(hasher.finalize()) }
}

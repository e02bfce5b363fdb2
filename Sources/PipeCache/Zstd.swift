import CZstd
import Foundation

/// Streaming zstd compression into a file handle. Large inputs use zstd's worker threads.
public final class ZstdWriter {
    private let context: OpaquePointer
    private let output: FileHandle
    private var outBuffer: [UInt8]
    public private(set) var compressedBytes = 0

    public init(output: FileHandle, level: Int32 = 3, workers: Int32 = 0) throws {
        guard let context = ZSTD_createCCtx() else {
            throw CacheError.compression("cannot create a compression context")
        }
        self.context = context
        self.output = output
        self.outBuffer = [UInt8](repeating: 0, count: ZSTD_CStreamOutSize())
        try check(ZSTD_CCtx_setParameter(context, ZSTD_c_compressionLevel, level))
        try check(ZSTD_CCtx_setParameter(context, ZSTD_c_checksumFlag, 1))
        if workers > 0 {
            // Ignored (returns an error) by a libzstd built without threads; single-threaded is fine then.
            _ = ZSTD_CCtx_setParameter(context, ZSTD_c_nbWorkers, workers)
        }
    }

    deinit { ZSTD_freeCCtx(context) }

    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        try pump(bytes, end: false)
    }

    public func write(_ data: Data) throws {
        try data.withUnsafeBytes { try pump($0, end: false) }
    }

    /// Flushes everything and writes the frame's end.
    public func finish() throws {
        try pump(UnsafeRawBufferPointer(start: nil, count: 0), end: true)
    }

    private func pump(_ bytes: UnsafeRawBufferPointer, end: Bool) throws {
        var input = ZSTD_inBuffer(src: bytes.baseAddress, size: bytes.count, pos: 0)
        let capacity = outBuffer.count
        while true {
            let (remaining, produced): (Int, Int) = try outBuffer.withUnsafeMutableBytes { out in
                var output = ZSTD_outBuffer(dst: out.baseAddress, size: capacity, pos: 0)
                let r = ZSTD_compressStream2(context, &output, &input, end ? ZSTD_e_end : ZSTD_e_continue)
                try check(r)
                return (r, output.pos)
            }
            if produced > 0 {
                try output.write(contentsOf: outBuffer[0..<produced])
                compressedBytes += produced
            }
            if end ? remaining == 0 : input.pos == input.size { return }
        }
    }

    private func check(_ code: Int) throws {
        if ZSTD_isError(code) != 0 { throw CacheError.compression(String(cString: ZSTD_getErrorName(code))) }
    }
}

/// Streaming zstd decompression from a file handle.
public final class ZstdReader {
    private let context: OpaquePointer
    private let source: (Int) throws -> Data
    private var inBuffer: [UInt8] = []
    private var inPosition = 0
    private var pending: [UInt8] = []
    private var pendingPosition = 0
    private var inputEnded = false
    private var frameComplete = true

    public convenience init(input: FileHandle) throws {
        try self.init { count in try input.read(upToCount: count) ?? Data() }
    }

    /// `source(n)` returns up to n more compressed bytes, or empty data at the end. Its errors pass
    /// through unchanged, so a failing disk is never mistaken for damaged data.
    public init(source: @escaping (Int) throws -> Data) throws {
        guard let context = ZSTD_createDCtx() else {
            throw CacheError.compression("cannot create a decompression context")
        }
        self.context = context
        self.source = source
    }

    deinit { ZSTD_freeDCtx(context) }

    /// Reads up to `count` decompressed bytes; an empty result means the end of the stream.
    public func read(upTo count: Int) throws -> [UInt8] {
        while pendingPosition == pending.count {
            if try !refill() { return [] }
        }
        let n = min(count, pending.count - pendingPosition)
        defer { pendingPosition += n }
        return Array(pending[pendingPosition..<pendingPosition + n])
    }

    /// Reads exactly `count` bytes or throws.
    public func readExactly(_ count: Int) throws -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(count)
        while out.count < count {
            let chunk = try read(upTo: count - out.count)
            if chunk.isEmpty { throw CacheError.badArchive("the stream ends \(count - out.count) bytes early") }
            out += chunk
        }
        return out
    }

    private func refill() throws -> Bool {
        if inPosition == inBuffer.count {
            if inputEnded { 
                if !frameComplete { throw CacheError.badFrame("the last frame is cut short") }
                return false
            }
            let chunk = try source(ZSTD_DStreamInSize())
            if chunk.isEmpty {
                inputEnded = true
                if !frameComplete { throw CacheError.badFrame("the last frame is cut short") }
                return false
            }
            inBuffer = [UInt8](chunk)
            inPosition = 0
        }
        var out = [UInt8](repeating: 0, count: ZSTD_DStreamOutSize())
        let capacity = out.count
        let produced: Int = try inBuffer.withUnsafeBytes { inBytes in
            try out.withUnsafeMutableBytes { outBytes in
                var input = ZSTD_inBuffer(src: inBytes.baseAddress, size: inBytes.count, pos: inPosition)
                var output = ZSTD_outBuffer(dst: outBytes.baseAddress, size: capacity, pos: 0)
                let r = ZSTD_decompressStream(context, &output, &input)
                if ZSTD_isError(r) != 0 { throw CacheError.badFrame(String(cString: ZSTD_getErrorName(r))) }
                frameComplete = r == 0
                inPosition = input.pos
                return output.pos
            }
        }
        pending = Array(out[0..<produced])
        pendingPosition = 0
        return true
    }
}

/// One-shot helpers for small buffers.
public enum Zstd {
    public static func compress(_ data: Data, level: Int32 = 3) throws -> Data {
        let bound = ZSTD_compressBound(data.count)
        var out = Data(count: bound)
        let written = out.withUnsafeMutableBytes { dst in
            data.withUnsafeBytes { src in ZSTD_compress(dst.baseAddress, bound, src.baseAddress, src.count, level) }
        }
        if ZSTD_isError(written) != 0 { throw CacheError.compression(String(cString: ZSTD_getErrorName(written))) }
        return out.prefix(written)
    }

    public static func decompress(_ data: Data) throws -> Data {
        var remaining = data
        let reader = try ZstdReader { count in
            defer { remaining = remaining.dropFirst(count) }
            return remaining.prefix(count)
        }
        var out = Data()
        while true {
            let chunk = try reader.read(upTo: 1 << 20)
            if chunk.isEmpty { break }
            out.append(contentsOf: chunk)
        }
        return out
    }
}

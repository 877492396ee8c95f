import CZlib
import Foundation

/// Just enough of PNG to look at a headless browser's screenshot: 8-bit RGB or RGBA,
/// non-interlaced, all five scanline filters.
public struct PNGImage {
    public let width: Int
    public let height: Int
    /// RGB triples, row by row.
    public let rgb: [UInt8]

    public init(data: Data) throws {
        let bytes = [UInt8](data)
        guard bytes.count > 8, bytes[0..<8] == [137, 80, 78, 71, 13, 10, 26, 10] else { throw TestSupportError("not a PNG file") }
        var offset = 8
        var width = 0, height = 0, channels = 0
        var compressed: [UInt8] = []
        func be32(_ i: Int) -> Int { Int(bytes[i]) << 24 | Int(bytes[i + 1]) << 16 | Int(bytes[i + 2]) << 8 | Int(bytes[i + 3]) }
        while offset + 8 <= bytes.count {
            let length = be32(offset)
            let type = String(decoding: bytes[(offset + 4)..<(offset + 8)], as: UTF8.self)
            let body = (offset + 8)..<(offset + 8 + length)
            guard body.upperBound <= bytes.count else { throw TestSupportError("truncated PNG chunk \(type)") }
            switch type {
            case "IHDR":
                width = be32(body.lowerBound); height = be32(body.lowerBound + 4)
                let depth = bytes[body.lowerBound + 8], color = bytes[body.lowerBound + 9], interlace = bytes[body.lowerBound + 12]
                guard depth == 8, color == 2 || color == 6, interlace == 0 else { throw TestSupportError("PNG: only 8-bit RGB/RGBA, non-interlaced (depth \(depth), color \(color))") }
                channels = color == 2 ? 3 : 4
            case "IDAT": compressed += bytes[body]
            default: break
            }
            offset = body.upperBound + 4
        }
        let stride = width * channels
        var raw = [UInt8](repeating: 0, count: (stride + 1) * height)
        var rawLength = uLongf(raw.count)
        let status = raw.withUnsafeMutableBufferPointer { out in
            compressed.withUnsafeBufferPointer { input in uncompress(out.baseAddress, &rawLength, input.baseAddress, uLong(input.count)) }
        }
        guard status == Z_OK, Int(rawLength) == raw.count else { throw TestSupportError("PNG: zlib status \(status), \(rawLength) of \(raw.count) bytes") }
        var pixels = [UInt8](repeating: 0, count: stride * height)
        for y in 0..<height {
            let filter = raw[y * (stride + 1)]
            for x in 0..<stride {
                let value = raw[y * (stride + 1) + 1 + x]
                let a = x >= channels ? Int(pixels[y * stride + x - channels]) : 0
                let b = y > 0 ? Int(pixels[(y - 1) * stride + x]) : 0
                let c = x >= channels && y > 0 ? Int(pixels[(y - 1) * stride + x - channels]) : 0
                let predictor: Int
                switch filter {
                case 0: predictor = 0
                case 1: predictor = a
                case 2: predictor = b
                case 3: predictor = (a + b) / 2
                case 4:
                    let p = a + b - c, pa = abs(p - a), pb = abs(p - b), pc = abs(p - c)
                    predictor = pa <= pb && pa <= pc ? a : (pb <= pc ? b : c)
                default: throw TestSupportError("PNG: unknown filter \(filter) on row \(y)")
                }
                pixels[y * stride + x] = UInt8(truncatingIfNeeded: Int(value) + predictor)
            }
        }
        self.width = width
        self.height = height
        rgb = channels == 3 ? pixels : (0..<(width * height)).flatMap { i in pixels[(i * 4)..<(i * 4 + 3)] }
    }

    /// Fraction of pixels that are not (near) white.
    public var inkFraction: Double {
        var ink = 0
        for i in Swift.stride(from: 0, to: rgb.count, by: 3) where Int(rgb[i]) + Int(rgb[i + 1]) + Int(rgb[i + 2]) < 3 * 235 { ink += 1 }
        return Double(ink) / Double(max(1, width * height))
    }

    /// Distinct colours (quantised to 32 levels per channel).
    public var colourCount: Int {
        var seen = Set<Int>()
        for i in Swift.stride(from: 0, to: rgb.count, by: 3) { seen.insert(Int(rgb[i] >> 3) << 10 | Int(rgb[i + 1] >> 3) << 5 | Int(rgb[i + 2] >> 3)) }
        return seen.count
    }
}

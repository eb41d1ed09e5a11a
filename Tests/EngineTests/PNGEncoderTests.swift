import CCairo
import Foundation
import TestSupport
import Testing

@testable import Engine
@testable import MLCore
@testable import Plot

@Suite("PNG encoder")
struct PNGEncoderTests {
    /// The pixels (cairo's premultiplied ARGB32 words) of a surface, row after row.
    static func pixels(_ surface: OpaquePointer?) -> [UInt32] {
        cairo_surface_flush(surface)
        let width = Int(cairo_image_surface_get_width(surface))
        let height = Int(cairo_image_surface_get_height(surface))
        let stride = Int(cairo_image_surface_get_stride(surface))
        let data = UnsafeRawPointer(cairo_image_surface_get_data(surface)!)
        return (0..<height).flatMap { y in
            let row = (data + y * stride).assumingMemoryBound(to: UInt32.self)
            return (0..<width).map { row[$0] }
        }
    }

    /// A 37 × 23 surface: a colour gradient, then (unless opaque) a corner of clear and of
    /// half-transparent pixels.
    static func surface(opaque: Bool) -> OpaquePointer? {
        let surface = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, 37, 23)
        cairo_surface_flush(surface)
        let data = cairo_image_surface_get_data(surface)!
        let stride = Int(cairo_image_surface_get_stride(surface))
        for y in 0..<23 {
            let row = UnsafeMutableRawPointer(data + y * stride).assumingMemoryBound(to: UInt32.self)
            for x in 0..<37 {
                var alpha: UInt32 = 0xFF
                if !opaque && x < 10 { alpha = y < 10 ? 0 : 0x80 }
                let red: UInt32 = UInt32(x * 7) * alpha / 255
                let green: UInt32 = UInt32(y * 11) * alpha / 255
                let blue: UInt32 = UInt32(x * y % 256) * alpha / 255
                row[x] = alpha << 24 | red << 16 | green << 8 | blue
            }
        }
        cairo_surface_mark_dirty(surface)
        return surface
    }

    @Test(
        "an image is written as RGB when opaque, else RGBA, and reads back pixel for pixel", arguments: [true, false])
    func roundTrip(opaque: Bool) throws {
        let directory = TemporaryDirectory()
        let original = Self.surface(opaque: opaque)
        defer { cairo_surface_destroy(original) }
        let data = try PNGEncoder.encode(original)
        #expect(data.prefix(8) == Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]))
        #expect(data[25] == (opaque ? 2 : 6), "colour type: RGB when opaque, else RGBA")
        let path = directory.file("image.png", bytes: Array(data))
        let read = cairo_image_surface_create_from_png(path)
        defer { cairo_surface_destroy(read) }
        #expect(cairo_surface_status(read) == CAIRO_STATUS_SUCCESS)
        let (before, after) = (Self.pixels(original), Self.pixels(read))
        #expect(before.count == after.count)
        for (a, b) in zip(before, after) {
            // Half-transparent pixels go through straight colour and back: at most one step off.
            let tolerance = a >> 24 == 0xFF ? 0 : 1
            let close = (0..<4).allSatisfy { (shift: Int) -> Bool in
                let x = Int((a >> UInt32(8 * shift)) & 0xFF)
                let y = Int((b >> UInt32(8 * shift)) & 0xFF)
                return abs(x - y) <= tolerance
            }
            #expect(close, "\(String(a, radix: 16)) read back as \(String(b, radix: 16))")
        }
    }
}

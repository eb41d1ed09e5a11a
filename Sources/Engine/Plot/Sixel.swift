import CCairo
import Foundation
import MLCore

/// Pictures as DEC sixel graphics, for terminals that show neither kitty's nor iTerm2's images:
/// a PNG is decoded and scaled with cairo, its colours mapped to a 6×6×6 cube, and written six
/// pixel rows at a time with run-length encoding.
public enum Sixel {
    /// The sixel escape sequence showing the PNG at `path`, scaled to `width` pixels (never up).
    ///
    /// - Throws: `EngineError.io` when the file is not a PNG cairo can read.
    public static func encode(png path: String, width: Int) throws -> String {
        let source = cairo_image_surface_create_from_png(path)
        defer { cairo_surface_destroy(source) }
        guard cairo_surface_status(source) == CAIRO_STATUS_SUCCESS else {
            throw EngineError(.io, "cannot read the PNG \(path)")
        }
        let sourceWidth = Int(cairo_image_surface_get_width(source))
        let sourceHeight = Int(cairo_image_surface_get_height(source))
        let scale = min(1, Double(width) / Double(max(sourceWidth, 1)))
        let w = max(1, Int(Double(sourceWidth) * scale))
        let h = max(1, Int(Double(sourceHeight) * scale))
        let target = cairo_image_surface_create(CAIRO_FORMAT_RGB24, Int32(w), Int32(h))
        defer { cairo_surface_destroy(target) }
        let context = cairo_create(target)
        cairo_set_source_rgb(context, 1, 1, 1)
        cairo_paint(context)
        cairo_scale(context, scale, scale)
        cairo_set_source_surface(context, source, 0, 0)
        cairo_pattern_set_filter(cairo_get_source(context), CAIRO_FILTER_GOOD)
        cairo_paint(context)
        cairo_destroy(context)
        cairo_surface_flush(target)
        let stride = Int(cairo_image_surface_get_stride(target))
        let data = cairo_image_surface_get_data(target)!
        var indices = [UInt8](repeating: 0, count: w * h)
        for y in 0..<h {
            for x in 0..<w {
                let pixel = (data + y * stride + x * 4).withMemoryRebound(to: UInt32.self, capacity: 1) { $0.pointee }
                let red = Int((pixel >> 16) & 0xFF)
                let green = Int((pixel >> 8) & 0xFF)
                let blue = Int(pixel & 0xFF)
                indices[y * w + x] = UInt8(level(red) * 36 + level(green) * 6 + level(blue))
            }
        }
        return pixels(indices, width: w, height: h)
    }

    /// The sixel sequence for palette indices into the 6×6×6 cube (`r*36 + g*6 + b`, each 0–5).
    static func pixels(_ indices: [UInt8], width: Int, height: Int) -> String {
        var out = "\u{1B}Pq\"1;1;\(width);\(height)"
        for colour in Set(indices).sorted() {
            let c = Int(colour)
            out += "#\(c);2;\(c / 36 * 20);\(c / 6 % 6 * 20);\(c % 6 * 20)"
        }
        for band in stride(from: 0, to: height, by: 6) {
            let rows = band..<min(band + 6, height)
            var colours = Set<UInt8>()
            for y in rows { for x in 0..<width { colours.insert(indices[y * width + x]) } }
            for (n, colour) in colours.sorted().enumerated() {
                out += (n > 0 ? "$" : "") + "#\(colour)"
                var previous: Character?
                var run = 0
                func emit() {
                    guard let previous else { return }
                    out += run > 3 ? "!\(run)\(previous)" : String(repeating: previous, count: run)
                }
                for x in 0..<width {
                    var bits = 0
                    for (bit, y) in rows.enumerated() where indices[y * width + x] == colour { bits |= 1 << bit }
                    let character = Character(Unicode.Scalar(UInt8(63 + bits)))
                    if character == previous {
                        run += 1
                    } else {
                        emit()
                        previous = character
                        run = 1
                    }
                }
                emit()
            }
            out += "-"
        }
        return out + "\u{1B}\\"
    }

    /// 0–255 to the nearest of six levels.
    private static func level(_ value: Int) -> Int { (value * 5 + 127) / 255 }
}

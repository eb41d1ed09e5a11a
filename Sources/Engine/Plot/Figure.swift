import CCairo
import Foundation
import MLCore

/// A colour, components in [0, 1].
public struct Color: Sendable, Equatable {
    public let red, green, blue, alpha: Double

    public init(_ red: Double, _ green: Double, _ blue: Double, _ alpha: Double = 1) {
        (self.red, self.green, self.blue, self.alpha) = (red, green, blue, alpha)
    }

    public static let black = Color(0.12, 0.12, 0.14)
    public static let grey = Color(0.55, 0.55, 0.58)
    public static let lightGrey = Color(0.88, 0.88, 0.9)
    public static let white = Color(1, 1, 1)
    public static let blue = Color(0.18, 0.42, 0.71)
    public static let orange = Color(0.9, 0.45, 0.1)
    public static let red = Color(0.8, 0.2, 0.2)

    /// White to `self` by `t` in [0, 1].
    public func tint(_ t: Double) -> Color {
        let t = max(0, min(1, t))
        return Color(1 - (1 - red) * t, 1 - (1 - green) * t, 1 - (1 - blue) * t)
    }
}

/// Drawing operations on a cairo context: the vocabulary the charts are written in.
public struct Painter {
    fileprivate let context: OpaquePointer

    public enum Alignment { case left, center, right }

    public func fill(_ x: Double, _ y: Double, _ width: Double, _ height: Double, _ color: Color) {
        set(color)
        cairo_rectangle(context, x, y, width, height)
        cairo_fill(context)
    }

    public func stroke(_ points: [(Double, Double)], _ color: Color, width: Double = 1) {
        guard let first = points.first else { return }
        set(color)
        cairo_set_line_width(context, width)
        cairo_move_to(context, first.0, first.1)
        for point in points.dropFirst() { cairo_line_to(context, point.0, point.1) }
        cairo_stroke(context)
    }

    public func dot(_ x: Double, _ y: Double, radius: Double, _ color: Color) {
        set(color)
        cairo_arc(context, x, y, radius, 0, 2 * Double.pi)
        cairo_fill(context)
    }

    /// Text with its baseline at y, aligned on x; `rotation` in radians (counter-clockwise negative).
    public func text(
        _ string: String, _ x: Double, _ y: Double, size: Double = 12, _ color: Color = .black,
        align: Alignment = .left, bold: Bool = false, rotation: Double = 0
    ) {
        set(color)
        cairo_select_font_face(
            context, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL, bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL)
        cairo_set_font_size(context, size)
        var extents = cairo_text_extents_t()
        cairo_text_extents(context, string, &extents)
        let offset =
            switch align {
            case .left: 0.0
            case .center: -extents.x_advance / 2
            case .right: -extents.x_advance
            }
        cairo_save(context)
        cairo_translate(context, x, y)
        cairo_rotate(context, rotation)
        cairo_move_to(context, offset, 0)
        cairo_show_text(context, string)
        cairo_restore(context)
    }

    /// The width of text at a size.
    public func textWidth(_ string: String, size: Double = 12) -> Double {
        cairo_select_font_face(context, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL)
        cairo_set_font_size(context, size)
        var extents = cairo_text_extents_t()
        cairo_text_extents(context, string, &extents)
        return extents.x_advance
    }

    private func set(_ color: Color) {
        cairo_set_source_rgba(context, color.red, color.green, color.blue, color.alpha)
    }
}

/// A chart of a given size that draws itself, written to PNG and SVG files.
public struct Figure: Sendable {
    /// The version of the cairo library that draws figures (for a model's environment record).
    public static var cairoVersion: String { String(cString: cairo_version_string()) }

    public let width: Double
    public let height: Double
    /// What the chart shows (the heading drawn on it), for text where the picture is not shown.
    public let title: String
    let draw: @Sendable (Painter) -> Void

    public init(width: Double, height: Double, title: String = "", draw: @escaping @Sendable (Painter) -> Void) {
        self.width = width
        self.height = height
        self.title = title
        self.draw = draw
    }

    /// Writes `base.png` (2× resolution) and `base.svg`, creating the directory; returns both paths.
    ///
    /// - Throws: `EngineError.io` when a file cannot be written.
    @discardableResult
    public func write(to base: String) throws -> [String] {
        try FileManager.default.createDirectory(
            atPath: (base as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        let png = base + ".png"
        let svg = base + ".svg"
        do {
            try pngData().write(to: URL(fileURLWithPath: png + ".partial"))
        } catch let error as EngineError {
            throw error
        } catch {
            throw EngineError(.io, "cannot write \(png): \(FileSystemProblem.reason(for: error, at: png))")
        }
        let vector = cairo_svg_surface_create(svg + ".partial", width, height)
        render(on: vector, scale: 1)
        cairo_surface_finish(vector)
        let vectorStatus = cairo_surface_status(vector)
        cairo_surface_destroy(vector)
        guard vectorStatus == CAIRO_STATUS_SUCCESS else { throw EngineError(.io, "cannot write \(svg)") }
        for path in [png, svg] {
            _ = try? FileManager.default.removeItem(atPath: path)
            try FileManager.default.moveItem(atPath: path + ".partial", toPath: path)
        }
        return [png, svg]
    }

    /// The chart as PNG bytes (2× resolution; see `PNGEncoder`).
    ///
    /// - Throws: `EngineError.io` when zlib cannot encode it.
    public func pngData() throws -> Data {
        let scale = 2.0
        let raster = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, Int32(width * scale), Int32(height * scale))
        defer { cairo_surface_destroy(raster) }
        render(on: raster, scale: scale)
        return try PNGEncoder.encode(raster)
    }

    private func render(on surface: OpaquePointer?, scale: Double) {
        let context = cairo_create(surface)!
        cairo_scale(context, scale, scale)
        let painter = Painter(context: context)
        painter.fill(0, 0, width, height, .white)
        draw(painter)
        cairo_destroy(context)
    }
}

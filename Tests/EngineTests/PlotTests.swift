import CCairo
import Foundation
import TestSupport
import Testing

@testable import Engine
@testable import MLCore

/// Charts render to PNG and SVG: the files exist, have the figure's size (PNG at twice the
/// resolution), and are not blank.
@Suite("Plots")
struct PlotTests {
    /// The PNG's size and how many of its pixels are not white.
    func inspect(_ path: String) -> (width: Int, height: Int, inked: Int) {
        let surface = cairo_image_surface_create_from_png(path)
        defer { cairo_surface_destroy(surface) }
        let width = Int(cairo_image_surface_get_width(surface))
        let height = Int(cairo_image_surface_get_height(surface))
        let stride = Int(cairo_image_surface_get_stride(surface))
        guard let data = cairo_image_surface_get_data(surface) else { return (width, height, 0) }
        var inked = 0
        for y in 0..<height {
            let row = UnsafeRawPointer(data + y * stride).assumingMemoryBound(to: UInt32.self)
            for x in 0..<width where row[x] & 0x00FF_FFFF != 0x00FF_FFFF { inked += 1 }
        }
        return (width, height, inked)
    }

    @Test("a confusion matrix and a PCA variance chart render: PNG at 2x, SVG beside it, ink on the page")
    func charts() throws {
        let directory = TemporaryDirectory()
        let confusion = Charts.confusion(
            [[50, 2, 1], [3, 40, 0], [0, 1, 30]], classes: ["Bumps", "K_Scatch", "Z_Scratch"], title: "Confusion")
        let paths = try confusion.write(to: directory.path + "/confusion")
        #expect(paths == [directory.path + "/confusion.png", directory.path + "/confusion.svg"])
        let png = inspect(paths[0])
        #expect(png.width == Int(confusion.width * 2) && png.height == Int(confusion.height * 2))
        #expect(
            Double(png.inked) > 0.02 * Double(png.width * png.height),
            "the chart is not blank: \(png.inked) inked pixels")
        let svg = try String(contentsOfFile: paths[1], encoding: .utf8)
        #expect(svg.contains("<svg") && svg.contains("width=\"\(Int(confusion.width))"))
        #expect(!FileManager.default.fileExists(atPath: paths[0] + ".partial"), "written then renamed")

        let variance = Charts.pcaVariance(ratios: [0.5, 0.3, 0.15, 0.05], kept: 3, title: "Variance")
        let data = try variance.pngData()
        #expect(data.prefix(8) == Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]))
        let file = directory.path + "/variance.png"
        try data.write(to: URL(fileURLWithPath: file))
        let raster = inspect(file)
        #expect(raster.width == Int(variance.width * 2) && raster.inked > 1000)
        let blank = Figure(width: 100, height: 50) { _ in }
        try blank.pngData().write(to: URL(fileURLWithPath: directory.path + "/blank.png"))
        #expect(inspect(directory.path + "/blank.png").inked == 0, "the inspection tells a blank page")
    }

    /// Where two files first differ, with the bytes around it (text for SVG), to diagnose a rare
    /// difference seen once in a full run with other suites drawing at the same time.
    static func difference(_ bytes: Data, _ reference: Data, _ name: String) -> String {
        let offset =
            zip(bytes, reference).enumerated().first { $0.element.0 != $0.element.1 }?.offset
            ?? min(bytes.count, reference.count)
        func around(_ data: Data) -> String {
            let start = data.startIndex + max(0, offset - 40)
            let window = data[start..<min(data.endIndex, data.startIndex + offset + 40)]
            return String(decoding: window, as: UTF8.self).replacingOccurrences(of: "\n", with: "⏎")
        }
        return
            "\(name): \(bytes.count) bytes against \(reference.count) drawn alone, first difference at byte \(offset): '\(around(bytes))' against '\(around(reference))'"
    }

    @Test("charts drawn on several threads at once, PNG and SVG, have the bytes of charts drawn one after another")
    func chartsOnThreads() throws {
        let directory = TemporaryDirectory()
        let figures = (0..<8).map { index in
            index.isMultiple(of: 2)
                ? Charts.pcaVariance(ratios: [0.5, 0.3, 0.15, 0.05], kept: 3, title: "Variance \(index)")
                : Charts.confusion(
                    [[50, 2, 1], [3, 40, 0], [0, 1, 30]], classes: ["Bumps", "K_Scatch", "Z_Scratch"],
                    title: "Confusion \(index)")
        }
        // An SVG names its surface with cairo's process-wide count of surfaces made ("surface164").
        @Sendable func files(_ figure: Figure, _ base: String) throws -> [Data] {
            try figure.write(to: base).map { path in
                let data = try Data(contentsOf: URL(fileURLWithPath: path))
                guard path.hasSuffix(".svg") else { return data }
                return Data(
                    String(decoding: data, as: UTF8.self)
                        .replacing(/id="surface[0-9]+"/, with: "id=\"surface\"").utf8)
            }
        }
        let sequential = try figures.enumerated().map { index, figure in
            try files(figure, directory.path + "/one-by-one-\(index)") + [try figure.pngData()]
        }
        for round in 0..<3 {
            let works = figures.enumerated().map { index, figure in
                let base = directory.path + "/round-\(round)-\(index)"
                return BackgroundWork { try files(figure, base) + [try figure.pngData()] }
            }
            let concurrent = try works.map { try $0.value() }
            for (figure, (drawn, expected)) in zip(concurrent, sequential).enumerated() {
                for (file, (bytes, reference)) in zip(drawn, expected).enumerated() where bytes != reference {
                    Issue.record(
                        Comment(
                            rawValue: Self.difference(
                                bytes, reference, "round \(round), figure \(figure), file \(file)")))
                }
            }
        }
    }
}

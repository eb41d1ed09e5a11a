import Foundation

/// Reads the files of an image block for embedding: the PNG as base64, the SVG as text when it
/// is small enough to be worth carrying beside the PNG.
enum ImageFiles {
    /// SVGs larger than this (dense scatter plots) are left out: the PNG alone shows the chart.
    static let svgLimit = 256 * 1024

    static func pngBase64(_ image: ImageBlock) -> String? {
        FileManager.default.contents(atPath: image.png)?.base64EncodedString()
    }

    static func svgText(_ image: ImageBlock) -> String? {
        guard let path = image.svg, let data = FileManager.default.contents(atPath: path), data.count <= svgLimit else {
            return nil
        }
        return String(data: data, encoding: .utf8)
    }
}

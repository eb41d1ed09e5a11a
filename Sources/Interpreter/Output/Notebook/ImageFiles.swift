import Foundation

/// Reads the files of an image block for embedding: the PNG as base64, the SVG as text when it
/// is small enough to be worth carrying beside the PNG.
enum ImageFiles {
    /// SVGs larger than this (dense scatter plots) are left out: the PNG alone shows the chart.
    static let svgLimit = 256 * 1024

    static func pngBase64(_ image: ImageBlock) -> String? {
        FileManager.default.contents(atPath: image.png)?.base64EncodedString()
    }

    /// The SVG, made to fit the output area (`fitting`).
    static func svgText(_ image: ImageBlock) -> String? {
        guard let path = image.svg, let data = FileManager.default.contents(atPath: path), data.count <= svgLimit else {
            return nil
        }
        return String(data: data, encoding: .utf8).map(fitting)
    }

    /// The SVG with its root's fixed size (cairo's `width="900pt" height="580pt"`, 1200 px
    /// wide) replaced by `width="100%"`, its `viewBox` kept: JupyterLab shows an SVG as an
    /// `<img>` at its own size (its `max-width: 100%` rule is for inline `<svg>` elements, and
    /// it reads no `width` metadata for SVG), so a fixed size wider than the output area
    /// scrolls and cuts the chart, while a relative one is scaled to the area's width. An SVG
    /// without a `viewBox` is left alone (it would not scale).
    static func fitting(_ svg: String) -> String {
        guard let start = svg.range(of: "<svg"), let end = svg[start.upperBound...].firstIndex(of: ">") else {
            return svg
        }
        var tag = String(svg[start.lowerBound..<end])
        guard tag.contains(" viewBox=\"") else { return svg }
        for attribute in ["width", "height"] {
            guard let found = tag.range(of: " \(attribute)=\""),
                let close = tag[found.upperBound...].firstIndex(of: "\"")
            else { continue }
            tag.replaceSubrange(found.lowerBound...close, with: attribute == "width" ? " width=\"100%\"" : "")
        }
        return svg.replacingCharacters(in: start.lowerBound..<end, with: tag)
    }
}

/// The Markdown that narration (and the command reference) uses, as HTML: `#` headings,
/// paragraphs, `-`/`*` and numbered lists, fenced code blocks, `code`, **bold**, *italic* and
/// [links](url). Everything else is shown as text.
///
/// Narration is PlateShell's own prose; this small subset keeps the exported page free of a
/// Markdown dependency.
enum MarkdownHTML {
    static func render(_ markdown: String) -> String {
        var html: [String] = []
        var paragraph: [String] = []
        var list: (tag: String, items: [String])?
        func flush() {
            if !paragraph.isEmpty { html.append("<p>" + inline(paragraph.joined(separator: " ")) + "</p>") }
            paragraph = []
            if let open = list {
                html.append("<\(open.tag)>" + open.items.map { "<li>\(inline($0))</li>" }.joined() + "</\(open.tag)>")
            }
            list = nil
        }
        var fence: [String]?
        for raw in markdown.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = String(raw).trimmingCharacters(in: [" ", "\t"])
            if line.hasPrefix("```") {
                if let code = fence {
                    html.append("<pre><code>" + HTMLRenderer.escape(code.joined(separator: "\n")) + "</code></pre>")
                    fence = nil
                } else {
                    flush()
                    fence = []
                }
                continue
            }
            if fence != nil {
                fence!.append(String(raw))
                continue
            }
            if line.isEmpty {
                flush()
                continue
            }
            let hashes = line.prefix(while: { $0 == "#" }).count
            if (1...6).contains(hashes), line.dropFirst(hashes).first == " " {
                flush()
                html.append("<h\(hashes)>" + inline(String(line.dropFirst(hashes + 1))) + "</h\(hashes)>")
                continue
            }
            if let item = listItem(line) {
                if !paragraph.isEmpty || (list != nil && list!.tag != item.tag) { flush() }
                if list == nil { list = (item.tag, []) }
                list!.items.append(item.text)
                continue
            }
            if list != nil, raw.first == " " {
                list!.items[list!.items.count - 1] += " " + line
                continue
            }
            if list != nil { flush() }
            paragraph.append(line)
        }
        flush()
        return html.joined(separator: "\n")
    }

    private static func listItem(_ line: String) -> (tag: String, text: String)? {
        if line.hasPrefix("- ") || line.hasPrefix("* ") { return ("ul", String(line.dropFirst(2))) }
        let digits = line.prefix(while: \.isNumber)
        if !digits.isEmpty, line.dropFirst(digits.count).hasPrefix(". ") {
            return ("ol", String(line.dropFirst(digits.count + 2)))
        }
        return nil
    }

    /// Inline code first (its text is literal), then bold, italic and links in the rest.
    static func inline(_ text: String) -> String {
        var out = ""
        var parts = text.split(separator: "`", omittingEmptySubsequences: false).map(String.init)
        if parts.count % 2 == 0 { parts[parts.count - 2] += "`" + parts.removeLast() }
        for (index, part) in parts.enumerated() {
            out += index % 2 == 1 ? "<code>\(HTMLRenderer.escape(part))</code>" : emphasis(HTMLRenderer.escape(part))
        }
        return out
    }

    private static func emphasis(_ text: String) -> String {
        var result = replacePairs(in: text, marker: "**", open: "<strong>", close: "</strong>")
        result = replacePairs(in: result, marker: "*", open: "<em>", close: "</em>")
        return links(in: result)
    }

    private static func replacePairs(in text: String, marker: String, open: String, close: String) -> String {
        let parts = text.split(separator: marker, omittingEmptySubsequences: false).map(String.init)
        guard parts.count >= 3 else { return text }
        var out = parts[0]
        var index = 1
        while index < parts.count {
            if index + 1 < parts.count, !parts[index].isEmpty, parts[index].first != " " {
                out += open + parts[index] + close + parts[index + 1]
                index += 2
            } else {
                out += marker + parts[index]
                index += 1
            }
        }
        return out
    }

    private static func links(in text: String) -> String {
        var out = ""
        var rest = Substring(text)
        while let open = rest.firstIndex(of: "["), let middle = rest[open...].firstRange(of: "]("),
            let close = rest[middle.upperBound...].firstIndex(of: ")")
        {
            out += rest[..<open]
            let label = rest[rest.index(after: open)..<middle.lowerBound]
            let url = rest[middle.upperBound..<close]
            out += "<a href=\"\(url)\">\(label)</a>"
            rest = rest[rest.index(after: close)...]
        }
        return out + rest
    }
}

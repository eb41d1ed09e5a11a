import Engine

/// One output of a notebook cell, as Jupyter's messaging protocol and nbformat both describe it.
public enum NotebookOutput: Sendable, Equatable {
    /// Text on standard output or standard error (`name` is `stdout` or `stderr`).
    case stream(name: String, text: String)
    /// A MIME bundle shown in the cell (`display_data`, or `execute_result` for a cell's result).
    case display(MimeBundle)
    /// A failed command: the error's family, the caret diagnostic, and its lines (with colour).
    case error(name: String, value: String, traceback: [String])
}

/// The same content in several MIME types, richest first; a front end shows the richest it can.
///
/// Values are strings (base64 for `image/png`), except the `+json` types, which are JSON values.
public struct MimeBundle: Sendable, Equatable {
    public private(set) var data: [(String, JSON)]

    /// The `--format json` document of a command's result. A vendor type, not `application/json`:
    /// JupyterLab ranks its JSON viewer above HTML, so a plain `application/json` would show every
    /// table as a JSON tree; under this type the document rides along for programs to read.
    public static let documentType = "application/vnd.plateshell.output+json"

    public init(_ data: [(String, JSON)] = []) { self.data = data }

    public static func == (a: MimeBundle, b: MimeBundle) -> Bool { JSON.object(a.data) == JSON.object(b.data) }

    /// Adds (or replaces) one representation.
    public mutating func set(_ mime: String, _ value: JSON) {
        data.removeAll { $0.0 == mime }
        data.append((mime, value))
    }

    /// The representation in `mime`, if there is one.
    public subscript(mime: String) -> JSON? { data.first { $0.0 == mime }?.1 }

    /// The bundle as the `data` object of a message or an nbformat output.
    public var json: JSON { .object(data) }

    /// Whether the bundle is a command's result (it carries the JSON document).
    public var isResult: Bool { self[Self.documentType] != nil }

    /// Whether the bundle holds a picture.
    public var isImage: Bool { self["image/png"] != nil }
}

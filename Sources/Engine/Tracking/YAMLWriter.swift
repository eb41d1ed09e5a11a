import MLCore

/// Writes the YAML MLflow reads (`meta.yaml`, `MLmodel`) in the safest subset: block mappings and
/// lists, every string a JSON string literal (a valid YAML double-quoted scalar, so names like
/// `null`, `true`, `123` or `a: b` stay strings), integers and reals plain, `null` for nothing.
///
/// MLflow's own guidance for third-party writers (see MLFLOW.md §2.13); a YAML library would
/// add a dependency for this one write-only subset.
public enum YAMLValue: Sendable, Equatable {
    case string(String)
    case integer(Int64)
    case real(Double)
    case bool(Bool)
    case null
    case mapping([(String, YAMLValue)])
    case list([YAMLValue])

    public static func == (a: YAMLValue, b: YAMLValue) -> Bool { a.text() == b.text() }

    /// The document text, ending with a newline.
    public func text() -> String {
        var out = ""
        write(to: &out, indent: 0, inline: false)
        return out
    }

    private func write(to out: inout String, indent: Int, inline: Bool) {
        let pad = String(repeating: " ", count: indent)
        switch self {
        case .mapping(let pairs):
            if pairs.isEmpty {
                out += inline ? " {}\n" : "{}\n"
                return
            }
            if inline { out += "\n" }
            for (key, value) in pairs {
                out += pad + Self.key(key) + ":"
                value.write(to: &out, indent: indent + 2, inline: true)
            }
        case .list(let items):
            if items.isEmpty {
                out += inline ? " []\n" : "[]\n"
                return
            }
            if inline { out += "\n" }
            for item in items {
                out += pad + "-"
                switch item {
                case .mapping(let pairs) where !pairs.isEmpty:
                    out += "\n"
                    item.write(to: &out, indent: indent + 2, inline: false)
                default:
                    item.write(to: &out, indent: indent + 2, inline: true)
                }
            }
        default:
            out += (inline ? " " : "") + scalar + "\n"
        }
    }

    private var scalar: String {
        switch self {
        case .string(let s): return Self.quoted(s)
        case .integer(let v): return String(v)
        case .real(let v): return v.isFinite ? "\(v)" : (v.isNaN ? ".nan" : (v > 0 ? ".inf" : "-.inf"))
        case .bool(let v): return v ? "true" : "false"
        case .null: return "null"
        case .mapping, .list: return ""
        }
    }

    private static func key(_ key: String) -> String {
        key.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" || $0 == ".") })
            && !key.isEmpty
            ? key : quoted(key)
    }

    /// A JSON string literal: a valid YAML double-quoted scalar.
    static func quoted(_ text: String) -> String {
        var out = ""
        JSON.quote(text, into: &out)
        return out
    }
}

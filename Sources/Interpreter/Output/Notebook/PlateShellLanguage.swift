import Engine

/// How notebooks and Jupyter describe the PlateShell language.
public enum PlateShellLanguage {
    /// The kernel's name, as in its kernelspec directory and a notebook's metadata.
    public static let kernelName = "plateshell"
    public static let displayName = "PlateShell"

    /// `language_info` of `kernel_info_reply` and of a notebook's metadata: `.plsh` files, and
    /// the shell modes of CodeMirror and Pygments, which colour its words, quoted strings and
    /// `#` comments reasonably.
    public static var languageInfo: JSON {
        .object([
            ("name", .string("plateshell")), ("version", .string(PlateShellVersion.current)),
            ("mimetype", .string("text/x-plateshell")), ("file_extension", .string(".plsh")),
            ("codemirror_mode", .string("shell")), ("pygments_lexer", .string("bash")),
        ])
    }

    /// `kernelspec` of a notebook's metadata.
    public static var kernelSpec: JSON {
        .object([
            ("name", .string(kernelName)), ("display_name", .string(displayName)), ("language", .string("plateshell")),
        ])
    }
}

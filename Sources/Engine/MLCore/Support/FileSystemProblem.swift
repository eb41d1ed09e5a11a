import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Why a file or directory could not be created or written, in words.
///
/// Foundation reports most such failures as "NSCocoaErrorDomain error 512", which names neither
/// the culprit nor the cause. This looks at the path instead: its nearest part that exists and is
/// in the way (a device or file where a directory is needed, a directory that cannot be written
/// or that refuses new entries, as `/proc` does), with the system's reason carried inside the error.
///
/// For example:
/// ```swift
/// FileSystemProblem.reason(for: error, at: "/dev/null/tables")
/// // '/dev/null' is a character device, not a directory
/// ```
public enum FileSystemProblem {
    /// The reason `error` stopped the creation or writing of `path`, as a clause.
    public static func reason(for error: Error, at path: String) -> String {
        var current = URL(fileURLWithPath: path).standardizedFileURL.path
        var child: String?
        while true {
            var status = stat()
            if stat(current, &status) == 0 {
                let type = status.st_mode & S_IFMT
                guard type == S_IFDIR else { return "'\(current)' is \(kind(type)), not a directory" }
                if access(current, W_OK) != 0 {
                    return "'\(current)' is not writable (\(String(cString: strerror(errno))))"
                }
                guard let child else { return systemReason(of: error) }
                return "'\(current)' does not let PlateShell create '\(child)' in it (\(systemReason(of: error)))"
            }
            let parent = (current as NSString).deletingLastPathComponent
            if parent == current || parent.isEmpty { return systemReason(of: error) }
            child = (current as NSString).lastPathComponent
            current = parent
        }
    }

    /// What a file of this type (`st_mode & S_IFMT`) is, with its article.
    private static func kind(_ type: mode_t) -> String {
        switch type {
        case S_IFCHR: "a character device"
        case S_IFBLK: "a block device"
        case S_IFIFO: "a FIFO"
        case S_IFSOCK: "a socket"
        case S_IFLNK: "a symbolic link"
        default: "a file"
        }
    }

    /// The system's reason inside a Foundation error (its POSIX error), else the error's own words.
    private static func systemReason(of error: Error) -> String {
        let foundation = error as NSError
        guard foundation.domain == NSCocoaErrorDomain || foundation.domain == NSPOSIXErrorDomain else {
            return "\(error)"
        }
        let underlying = foundation.userInfo[NSUnderlyingErrorKey] as? Error
        if let posix = (error as? POSIXError) ?? (underlying as? POSIXError) {
            return String(cString: strerror(posix.code.rawValue))
        }
        if let posix = [foundation, underlying.map { $0 as NSError }].compactMap({ $0 }).first(where: {
            $0.domain == NSPOSIXErrorDomain
        }) {
            return String(cString: strerror(Int32(posix.code)))
        }
        return foundation.localizedFailureReason ?? "the system refused (\(foundation.domain) \(foundation.code))"
    }
}

import Foundation
import Engine

/// A fresh directory under the system's temporary directory, removed when the test ends.
public final class TemporaryDirectory {
    public let path: String

    public init() {
        path = NSTemporaryDirectory() + "plateshell-test-" + UUID().uuidString
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    /// Writes `text` to a file in the directory and returns its path.
    @discardableResult
    public func file(_ name: String, _ text: String) -> String {
        let full = path + "/" + name
        try! Data(text.utf8).write(to: URL(fileURLWithPath: full))
        return full
    }

    /// Writes raw bytes to a file in the directory and returns its path.
    @discardableResult
    public func file(_ name: String, bytes: [UInt8]) -> String {
        let full = path + "/" + name
        try! Data(bytes).write(to: URL(fileURLWithPath: full))
        return full
    }
}

/// The package's root directory.
public let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// The real data set: `$PLATESHELL_DATA`, else `../shared/data/faults.csv` beside the checkout.
public let realDataPath: String = {
    if let path = ProcessInfo.processInfo.environment["PLATESHELL_DATA"], FileManager.default.fileExists(atPath: path) { return path }
    return packageRoot.deletingLastPathComponent().appendingPathComponent("shared/data/faults.csv").path
}()

/// Runs `body` and returns the `EngineError` it throws (nil when it throws nothing).
public func engineError(_ body: () throws -> Void) -> EngineError? {
    do { try body() } catch let error as EngineError { return error } catch { return nil }
    return nil
}

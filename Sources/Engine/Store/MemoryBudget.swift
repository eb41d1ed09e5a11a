import Foundation

/// How much of a table PlateShell reads into memory: at most `maximumCells` cells (rows ×
/// columns). A larger table on Spark is explored where it is (statistics run on Spark) or read
/// in part (`use TABLE sample=… | limit=…`), and the messages about it suggest a part that fits.
public enum MemoryBudget {
    /// The most cells (rows × columns) a read brings into memory: 1M rows × 34 columns read in
    /// ~0.3 GB.
    public static let maximumCells = 100_000_000

    /// Whether `rows` × `columns` cells are few enough to read into memory.
    public static func fits(_ rows: Int, _ columns: Int) -> Bool {
        let (cells, overflow) = rows.multipliedReportingOverflow(by: max(1, columns))
        return !overflow && cells <= maximumCells
    }

    /// A sampling fraction whose sample of `rows` × `columns` fits in memory, with one
    /// significant digit (0.03, 0.0004): what a message about a table too large suggests.
    public static func fittingFraction(rows: Int, columns: Int) -> String {
        let fraction = Double(maximumCells) / (Double(max(1, rows)) * Double(max(1, columns)))
        guard fraction < 1 else { return "1" }
        let scale = pow(10, (log10(fraction)).rounded(.down))
        let digits = (fraction / scale).rounded(.down)
        return String(format: "%.\(max(0, -Int(log10(scale))))f", digits * scale)
    }
}

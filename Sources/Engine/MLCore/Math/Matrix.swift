/// A dense matrix of doubles in row-major order: one row per sample, one column per feature.
///
/// The one numeric container of the machine-learning code: transforms and models take and give
/// matrices; `LinearAlgebra` hands them to LAPACK and BLAS.
public struct Matrix: Sendable, Equatable, Codable {
    public let rows: Int
    public let columns: Int
    /// The values, row after row.
    public var values: [Double]

    public init(rows: Int, columns: Int, values: [Double]) {
        precondition(values.count == rows * columns, "a \(rows)×\(columns) matrix needs \(rows * columns) values")
        self.rows = rows
        self.columns = columns
        self.values = values
    }

    public init(rows: Int, columns: Int, repeating value: Double = 0) {
        self.init(rows: rows, columns: columns, values: Array(repeating: value, count: rows * columns))
    }

    public subscript(row: Int, column: Int) -> Double {
        get { values[row * columns + column] }
        set { values[row * columns + column] = newValue }
    }

    /// One row as an array.
    public func row(_ index: Int) -> [Double] {
        Array(values[(index * columns)..<((index + 1) * columns)])
    }

    /// One column as an array.
    public func column(_ index: Int) -> [Double] {
        (0..<rows).map { values[$0 * columns + index] }
    }

    /// The matrix of the given rows, in order.
    public func selecting(rows indices: [Int]) -> Matrix {
        var out = [Double]()
        out.reserveCapacity(indices.count * columns)
        for index in indices { out.append(contentsOf: values[(index * columns)..<((index + 1) * columns)]) }
        return Matrix(rows: indices.count, columns: columns, values: out)
    }

    /// The transpose.
    public var transposed: Matrix {
        var out = [Double](repeating: 0, count: values.count)
        for r in 0..<rows {
            for c in 0..<columns { out[c * rows + r] = values[r * columns + c] }
        }
        return Matrix(rows: columns, columns: rows, values: out)
    }
}

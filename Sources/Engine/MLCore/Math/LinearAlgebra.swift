import CLapack

/// A small typed layer over LAPACK (through LAPACKE) and BLAS: the few decompositions the models
/// need, with Swift arrays in and out and errors instead of info codes.
///
/// OpenBLAS runs single-threaded: the matrices here are small (features × features), and the
/// parallel work happens a level up (folds, trees).
public enum LinearAlgebra {
    /// Makes OpenBLAS single-threaded; call once before any other use (idempotent).
    public static let configure: Void = { openblas_set_num_threads(1) }()

    /// Keeps OpenBLAS from starting worker threads when it is loaded (on first use). It starts
    /// one per core unless OPENBLAS_NUM_THREADS says otherwise, and each spins in sched_yield for
    /// about 0.1 s after start-up, taking a core from the folds' and trees' threads (9% of the
    /// samples of a loop of forest fits on one thread). Call at start-up, while the process has
    /// one thread (it sets an environment variable), and after `CommandLine.arguments` is read:
    /// on Linux the Swift runtime finds the arguments next to the original environment.
    public static func startNoThreadsWhenLoaded() {
        setenv("OPENBLAS_NUM_THREADS", "1", 1)
    }

    /// Eigenvalues (ascending) and eigenvectors (the columns of a row-major n×n matrix) of a
    /// symmetric matrix.
    ///
    /// - Throws: `EngineError.invalidData` when LAPACK does not converge.
    public static func symmetricEigen(_ matrix: Matrix) throws -> (values: [Double], vectors: Matrix) {
        _ = configure
        precondition(matrix.rows == matrix.columns)
        let n = Int32(matrix.rows)
        var a = matrix.values
        var w = [Double](repeating: 0, count: matrix.rows)
        let info = LAPACKE_dsyevd(LAPACK_ROW_MAJOR, CChar(UInt8(ascii: "V")), CChar(UInt8(ascii: "U")), n, &a, n, &w)
        guard info == 0 else {
            throw EngineError(.invalidData, "the eigen-decomposition did not converge (LAPACK dsyevd info \(info))")
        }
        return (w, Matrix(rows: matrix.rows, columns: matrix.rows, values: a))
    }

    /// The thin singular value decomposition `A = U·diag(s)·Vᵀ` (s descending).
    public static func svd(_ matrix: Matrix) throws -> (u: Matrix, s: [Double], vt: Matrix) {
        _ = configure
        let m = Int32(matrix.rows)
        let n = Int32(matrix.columns)
        let k = min(matrix.rows, matrix.columns)
        var a = matrix.values
        var s = [Double](repeating: 0, count: k)
        var u = [Double](repeating: 0, count: matrix.rows * k)
        var vt = [Double](repeating: 0, count: k * matrix.columns)
        let info = LAPACKE_dgesdd(LAPACK_ROW_MAJOR, CChar(UInt8(ascii: "S")), m, n, &a, n, &s, &u, Int32(k), &vt, n)
        guard info == 0 else {
            throw EngineError(
                .invalidData, "the singular value decomposition did not converge (LAPACK dgesdd info \(info))")
        }
        return (
            Matrix(rows: matrix.rows, columns: k, values: u), s, Matrix(rows: k, columns: matrix.columns, values: vt)
        )
    }

    /// The solution X of `A·X = B` for a square A.
    ///
    /// - Throws: `EngineError.invalidData` when A is singular.
    public static func solve(_ a: Matrix, _ b: Matrix) throws -> Matrix {
        _ = configure
        precondition(a.rows == a.columns && b.rows == a.rows)
        var lu = a.values
        var x = b.values
        var pivots = [Int32](repeating: 0, count: a.rows)
        let info = LAPACKE_dgesv(
            LAPACK_ROW_MAJOR, Int32(a.rows), Int32(b.columns), &lu, Int32(a.rows), &pivots, &x, Int32(b.columns))
        guard info == 0 else {
            throw EngineError(.invalidData, "the linear system is singular (LAPACK dgesv info \(info))")
        }
        return Matrix(rows: b.rows, columns: b.columns, values: x)
    }

    /// `A·B` (or with either transposed).
    public static func multiply(_ a: Matrix, _ b: Matrix, transposeA: Bool = false, transposeB: Bool = false) -> Matrix
    {
        _ = configure
        let m = transposeA ? a.columns : a.rows
        let k = transposeA ? a.rows : a.columns
        let n = transposeB ? b.rows : b.columns
        precondition(k == (transposeB ? b.columns : b.rows), "inner dimensions differ")
        var c = [Double](repeating: 0, count: m * n)
        if m > 0 && n > 0 && k > 0 {
            cblas_dgemm(
                CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                Int32(m), Int32(n), Int32(k), 1, a.values, Int32(a.columns), b.values, Int32(b.columns), 0, &c, Int32(n)
            )
        }
        return Matrix(rows: m, columns: n, values: c)
    }
}

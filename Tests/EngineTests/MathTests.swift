import Foundation
import TestSupport
import Testing

@testable import Engine
@testable import MLCore

@Suite("Linear algebra and optimization")
struct MathTests {
    @Test("symmetric eigen-decomposition of a known matrix")
    func eigen() throws {
        let (values, vectors) = try LinearAlgebra.symmetricEigen(Matrix(rows: 2, columns: 2, values: [2, 1, 1, 2]))
        #expect(abs(values[0] - 1) < 1e-12 && abs(values[1] - 3) < 1e-12)
        #expect(abs(abs(vectors[0, 1]) - 0.5.squareRoot()) < 1e-12, "the eigenvector of 3 is (1, 1)/√2")
    }

    @Test("SVD reconstructs its matrix; solve and multiply agree")
    func svdSolveMultiply() throws {
        let a = Matrix(rows: 3, columns: 2, values: [1, 2, 3, 4, 5, 6])
        let (u, s, vt) = try LinearAlgebra.svd(a)
        var diagonal = Matrix(rows: 2, columns: 2)
        diagonal[0, 0] = s[0]
        diagonal[1, 1] = s[1]
        let rebuilt = LinearAlgebra.multiply(LinearAlgebra.multiply(u, diagonal), vt)
        #expect(zip(rebuilt.values, a.values).allSatisfy { abs($0 - $1) < 1e-12 })
        let square = Matrix(rows: 2, columns: 2, values: [3, 1, 1, 2])
        let x = try LinearAlgebra.solve(square, Matrix(rows: 2, columns: 1, values: [9, 8]))
        #expect(abs(x[0, 0] - 2) < 1e-12 && abs(x[1, 0] - 3) < 1e-12)
        #expect(throws: EngineError.self) {
            try LinearAlgebra.solve(Matrix(rows: 2, columns: 2, values: [1, 2, 2, 4]), x)
        }
        #expect(LinearAlgebra.multiply(a, a, transposeA: true).values == [35, 44, 44, 56])
    }

    @Test("L-BFGS finds the minimum of a convex quadratic")
    func lbfgs() throws {
        let minimum = try LBFGS.minimize(from: [5, -3], tolerance: 1e-10, maxIterations: 100) { x in
            let value = (x[0] - 1) * (x[0] - 1) + 10 * (x[1] + 2) * (x[1] + 2)
            return (value, [2 * (x[0] - 1), 20 * (x[1] + 2)])
        }
        #expect(abs(minimum[0] - 1) < 1e-8 && abs(minimum[1] + 2) < 1e-8)
    }

    @Test("the seeded generator repeats, and derived streams differ")
    func random() {
        var a = SeededRandom(seed: 42)
        var b = SeededRandom(seed: 42)
        #expect((0..<5).map { _ in a.next() } == (0..<5).map { _ in b.next() })
        var first = SeededRandom(seed: 42).derived(0)
        var second = SeededRandom(seed: 42).derived(1)
        #expect(first.next() != second.next())
    }
}

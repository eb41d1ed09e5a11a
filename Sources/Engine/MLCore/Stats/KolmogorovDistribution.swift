import Foundation

/// The one-sample Kolmogorov distribution of D_n = sup |F_n − F|, used for the p-value of a
/// two-sample Kolmogorov–Smirnov test too large for the exact count.
///
/// The survival function P(D_n ≥ d) follows the choice of method scipy's `kstwo.sf` makes after
/// Simard & L'Ecuyer (2011) for n above 140: 1 for n·d ≤ 1/2; 1 − n!/nⁿ·(2nd − 1)ⁿ up to n·d = 1;
/// 2(1 − d)ⁿ for n·d ≥ n − 1; twice Smirnov's exact one-sided probability (the Birnbaum–Tingey
/// sum) for n·d² ≥ 2.2, 0 from n·d² ≥ 370; and below 2.2 the Pelz–Good (1976) expansion
/// K0(z) + K1(z)/√n + K2(z)/n + K3(z)/n^1.5 at z = d√n, each K written with Jacobi's theta
/// transformation so that the sums converge for small z — except where n ≤ 100,000 and
/// n·d^1.5 ≤ 1.4, where 1 − Durbin's matrix gives it. scipy takes other methods for n ≤ 140;
/// PlateShell keeps these there too (`Tests/CrossCheck/drift_vs_scipy.py` measures the gap).
public enum KolmogorovDistribution {
    /// P(D_n ≥ d).
    public static func survival(n: Int, _ d: Double) -> Double {
        guard n > 0, !d.isNaN else { return .nan }
        if d >= 1 { return 0 }
        if d <= 0 { return 1 }
        let count = Double(n)
        let t = count * d
        if t <= 0.5 { return 1 }
        if t <= 1 { return 1 - exp(logGamma(count + 1) - count * log(count) + count * log(2 * t - 1)) }
        if t >= count - 1 { return min(max(2 * pow(1 - d, count), 0), 1) }
        if t * d >= 370 { return 0 }
        if t * d >= 2.2 { return min(max(2 * smirnovSurvival(n: n, d), 0), 1) }
        if n <= 100_000 && count * pow(d, 1.5) <= 1.4 { return min(max(1 - durbinDistribution(n: n, d), 0), 1) }
        return min(max(pelzGoodSurvival(n: count, d), 0), 1)
    }

    /// P(D_n < d) by Durbin's matrix (1968) as Marsaglia, Tsang and Wang (2003) compute it: with
    /// n·d = k − h (k an integer, 0 ≤ h < 1), the (k, k) entry of Hⁿ for an m × m matrix H,
    /// m = 2k − 1, times n!/nⁿ; powers by squaring, rescaled by 2^±128 to stay in range.
    static func durbinDistribution(n: Int, _ d: Double) -> Double {
        let count = Double(n)
        if d >= 1 { return 1 }
        let nd = count * d
        if nd <= 0.5 { return 0 }
        let k = Int(nd.rounded(.up))
        let h = Double(k) - nd
        let m = 2 * k - 1
        var v = (1...m).map { 1 - pow(h, Double($0)) }
        var w = [Double](repeating: 0, count: m)
        var factorial = 1.0
        for j in 1...m {
            w[j - 1] = factorial
            factorial /= Double(j)
            v[j - 1] *= factorial
        }
        v[m - 1] = (1 + pow(max(2 * h - 1, 0), Double(m)) - 2 * pow(h, Double(m))) * factorial
        var matrix = [Double](repeating: 0, count: m * m)
        for i in 1..<m {
            for r in (i - 1)..<m { matrix[r * m + i] = w[r - i + 1] }
        }
        for r in 0..<m { matrix[r * m] = v[r] }
        for c in 0..<m { matrix[(m - 1) * m + c] = v[m - 1 - c] }
        let scale = 0x1p128
        var power = [Double](repeating: 0, count: m * m)
        for i in 0..<m { power[i * m + i] = 1 }
        var exponent = 0
        var matrixExponent = 0
        var remaining = n
        while remaining > 0 {
            if remaining % 2 == 1 {
                power = multiply(power, matrix, m)
                exponent += matrixExponent
            }
            matrix = multiply(matrix, matrix, m)
            matrixExponent *= 2
            if abs(matrix[(k - 1) * m + k - 1]) > scale {
                matrix = matrix.map { $0 / scale }
                matrixExponent += 128
            }
            remaining /= 2
        }
        var p = power[(k - 1) * m + k - 1]
        for i in 1...n {
            p = Double(i) * p / count
            if abs(p) < 1 / scale {
                p *= scale
                exponent -= 128
            }
        }
        return min(max(exponent == 0 ? p : scalbn(p, exponent), 0), 1)
    }

    /// The product of two m × m matrices stored by rows.
    private static func multiply(_ a: [Double], _ b: [Double], _ m: Int) -> [Double] {
        var product = [Double](repeating: 0, count: m * m)
        for i in 0..<m {
            for l in 0..<m where a[i * m + l] != 0 {
                let factor = a[i * m + l]
                for j in 0..<m { product[i * m + j] += factor * b[l * m + j] }
            }
        }
        return product
    }

    /// P(D⁺_n ≥ d), Smirnov's one-sided statistic, by the Birnbaum–Tingey sum
    /// d · Σ_{v=0}^{⌊n(1−d)⌋} C(n, v) (d + v/n)^(v−1) (1 − d − v/n)^(n−v), its terms in logarithms.
    static func smirnovSurvival(n: Int, _ d: Double) -> Double {
        let count = Double(n)
        let last = Int((count * (1 - d)).rounded(.down))
        let logFactorial = logGamma(count + 1)
        var sum = 0.0
        for v in 0...max(last, 0) {
            let at = d + Double(v) / count
            let rest = 1 - at
            guard rest > 0 else { continue }
            let term =
                logFactorial - logGamma(Double(v) + 1) - logGamma(count - Double(v) + 1) + Double(v - 1) * log(at)
                + (count - Double(v)) * log(rest)
            if term > -708 { sum += exp(term) }
        }
        return sum * d
    }

    /// ln Γ(x) for x > 0.
    private static func logGamma(_ x: Double) -> Double {
        let value: Double = lgamma(x)
        return value
    }

    /// 1 − (K0 + K1/√n + K2/n + K3/n^1.5) at z = d√n.
    static func pelzGoodSurvival(n: Double, _ x: Double) -> Double {
        let piSquared = Double.pi * Double.pi
        let z = n.squareRoot() * x
        let z2 = z * z
        let z3 = z2 * z
        let z4 = z2 * z2
        let z6 = z4 * z2
        let logQ = -piSquared / 8 / z2
        if logQ < -708 { return 1 }
        var q = exp(logQ)
        let k1 = (a: -z2, b: piSquared / 4)
        let k2 = (
            a: 6 * z6 + 2 * z4, b: (2 * z4 - 5 * z2) * piSquared / 4, c: piSquared * piSquared * (1 - 2 * z2) / 16
        )
        let k3 = (
            a: -30 * z6 - 90 * z4 * z4, b: piSquared * (135 * z4 - 96 * z6) / 4,
            c: piSquared * piSquared * (-60 * z2 + 212 * z4) / 16,
            d: piSquared * piSquared * piSquared * (5 - 30 * z2) / 64
        )
        // Sums over odd m = 2k − 1 of c_m q^(m²), by Horner's scheme in q^(8k).
        var terms = [0.0, 0.0, 0.0, 0.0]
        let largest = Int((16 * z / Double.pi).rounded(.up))
        for k in stride(from: largest, through: 1, by: -1) {
            let m = Double(2 * k - 1)
            let m2 = m * m
            let m4 = m2 * m2
            let m6 = m4 * m2
            let power = pow(q, Double(8 * k))
            let coefficients = [
                1.0, k1.a + k1.b * m2, k2.a + k2.b * m2 + k2.c * m4, k3.a + k3.b * m2 + k3.c * m4 + k3.d * m6,
            ]
            for i in 0..<4 { terms[i] = terms[i] * power + coefficients[i] }
        }
        let root2Pi = (2 * Double.pi).squareRoot()
        let divisors = [z, 6 * z4, 72 * z4 * z3, 6480 * z4 * z6]
        for i in 0..<4 { terms[i] = terms[i] * q * root2Pi / divisors[i] }
        // The terms over every integer k of K2 and K3.
        q = exp(-piSquared / 2 / z2)
        var extra2 = 0.0
        var extra3 = 0.0
        let root3z = 3.0.squareRoot() * z
        for k in stride(from: largest, through: 1, by: -1) {
            let k2 = Double(k * k)
            let power = pow(q, k2)
            let kPi = Double.pi * Double(k)
            extra2 += k2 * power
            extra3 += (root3z + kPi) * (root3z - kPi) * k2 * power
        }
        terms[2] += extra2 * piSquared * root2Pi / (-36 * z3)
        terms[3] += extra3 * piSquared * root2Pi / (216 * z6)
        var survival = 0.0
        for i in 0..<4 {
            let scaled = terms[i] / pow(n, Double(i) / 2)
            survival += i == 0 ? 1 - scaled : -scaled
        }
        return survival
    }
}

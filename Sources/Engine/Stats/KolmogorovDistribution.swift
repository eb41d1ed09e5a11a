import Foundation

/// The one-sample Kolmogorov distribution of D_n = sup |F_n − F|, used for the p-value of a
/// two-sample Kolmogorov–Smirnov test too large for the exact count.
///
/// The survival function P(D_n ≥ d) follows Simard & L'Ecuyer's (2011) choice of method for large
/// n as scipy's `kstwo.sf` does at its ends (0 or 1 for d ≤ 1/(2n); 2(1 − d)^n for nd ≥ n − 1;
/// 0 when n·d² ≥ 370), and in between the Pelz–Good (1976) expansion of the distribution in
/// powers of 1/√n, K0(z) + K1(z)/√n + K2(z)/n + K3(z)/n^1.5 at z = d√n, each K written with
/// Jacobi's theta transformation so that the sums converge for small z. scipy uses the Durbin
/// matrix or Smirnov's exact one-sided sum in some of these cases; the two agree to about 1e-6
/// for n in the thousands (measured by `Tests/CrossCheck/drift_vs_scipy.py`).
public enum KolmogorovDistribution {
    /// P(D_n ≥ d).
    public static func survival(n: Int, _ d: Double) -> Double {
        guard n > 0, !d.isNaN else { return .nan }
        if d >= 1 { return 0 }
        if d <= 0 { return 1 }
        let count = Double(n)
        let t = count * d
        if t <= 0.5 { return 1 }
        if t >= count - 1 { return min(max(2 * pow(1 - d, count), 0), 1) }
        if t * d >= 370 { return 0 }
        return min(max(pelzGoodSurvival(n: count, d), 0), 1)
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

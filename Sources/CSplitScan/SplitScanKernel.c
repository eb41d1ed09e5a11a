#include "CSplitScan.h"

#include <math.h>

// Gains must be the Swift scan's bit for bit: no multiply-add may be fused.
#pragma STDC FP_CONTRACT OFF

typedef double double4 __attribute__((vector_size(32), aligned(8)));
typedef long long4 __attribute__((vector_size(32)));

/// The threshold t of the division-free test: a point whose gl²·q + gr²·p ≤ t·p·q has an
/// exact gain (gl²/p + gr²/q − parent, in floating point) no greater than `best`; −∞ (nothing
/// ruled out) when t would lie outside [1e-150, 1e150].
///
/// With T = best + parent, a winning point has gl²/p + gr²/q > T up to a few roundings of
/// relative size 2⁻⁵² of T and of the parent gain (the subtraction); the products differ from
/// the quotients by a few more. t = T − (|T| + parent)·1e-9 leaves a margin millions of times
/// larger than all of them together. With p and q in [1e-50, 1e50] (the caller's `testable`)
/// and t in [1e-150, 1e150], t·p·q is a normal number, and a product that underflows could not
/// have exceeded it.
static inline double threshold(double best, double parent) {
    double target = best + parent;
    double t = target - (fabs(target) + parent) * 1e-9;
    return t >= 1e-150 && t <= 1e150 ? t : -INFINITY;
}

/// Point i's exact gain; when it beats `best`, it becomes the best (and with `tests`, the
/// threshold follows it).
static inline __attribute__((always_inline)) void consider(
    const double *gl, const double *hl, long i, const plateshell_split_points *points, int tests, double *best,
    long *best_index, double *t) {
    const double g = points->gradient, h = points->hessian, l2 = points->l2, parent = points->parent_gain;
    double a = gl[i], b = hl[i];
    double gain = a * a / (b + l2) + (g - a) * (g - a) / ((h - b) + l2) - parent;
    if (gain > *best) {
        *best = gain;
        *best_index = i;
        if (tests) *t = threshold(gain, parent);
    }
}

/// The search, written once; `adds_lambda` is a constant at each call, and each caller is
/// compiled for its own instruction set.
static inline __attribute__((always_inline)) long best_point(
    const double *gl, const double *hl, long count, plateshell_split_points *points, int adds_lambda) {
    const double g = points->gradient, h = points->hessian, l2 = points->l2, parent = points->parent_gain;
    double best = points->best_gain;
    long best_index = -1;
    double t = points->testable ? threshold(best, parent) : -INFINITY;
    long i = 0;
    if (points->testable) {
        const double4 g4 = {g, g, g, g}, h4 = {h, h, h, h}, l4 = {l2, l2, l2, l2};
        for (; i + 4 <= count; i += 4) {
            double4 left_g = *(const double4 *)(gl + i);
            double4 left_h = *(const double4 *)(hl + i);
            double4 right_g = g4 - left_g;
            double4 p = adds_lambda ? left_h + l4 : left_h;
            double4 q = adds_lambda ? (h4 - left_h) + l4 : h4 - left_h;
            double4 t4 = {t, t, t, t};
            // A NaN compares false: ruled out (its exact gain is NaN and never wins either).
            long4 in = left_g * left_g * q + right_g * right_g * p > t4 * (p * q);
            if (!__builtin_reduce_or(in)) continue;
            for (int lane = 0; lane < 4; lane++) {
                if (in[lane]) consider(gl, hl, i + lane, points, 1, &best, &best_index, &t);
            }
        }
    }
    for (; i < count; i++) consider(gl, hl, i, points, points->testable, &best, &best_index, &t);
    points->best_gain = best;
    return best_index;
}

#if defined(__x86_64__)
__attribute__((target("avx2"))) static long best_point_avx2(
    const double *gl, const double *hl, long count, plateshell_split_points *points) {
    return points->l2 == 0 ? best_point(gl, hl, count, points, 0) : best_point(gl, hl, count, points, 1);
}
#endif

long plateshell_best_split_point_baseline(
    const double *gl, const double *hl, long count, plateshell_split_points *points) {
    return points->l2 == 0 ? best_point(gl, hl, count, points, 0) : best_point(gl, hl, count, points, 1);
}

long plateshell_best_split_point(
    const double *left_gradients, const double *left_hessians, long count, plateshell_split_points *points) {
#if defined(__x86_64__)
    // -1 until first asked; every thread that asks first finds the same answer.
    static int has_avx2 = -1;
    int known = __atomic_load_n(&has_avx2, __ATOMIC_RELAXED);
    if (known < 0) {
        known = __builtin_cpu_supports("avx2") ? 1 : 0;
        __atomic_store_n(&has_avx2, known, __ATOMIC_RELAXED);
    }
    if (known) return best_point_avx2(left_gradients, left_hessians, count, points);
#endif
    return plateshell_best_split_point_baseline(left_gradients, left_hessians, count, points);
}

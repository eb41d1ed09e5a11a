// The second pass of the gbm split scan (see SplitScan.swift): of the split points the first pass
// collected, the one of greatest gain. In C because its vector test gains most from 256-bit
// registers, which Swift cannot ask for in one function only: the function is compiled twice,
// for the x86-64 baseline (SSE2) and for AVX2, and the processor picks at run time.
#ifndef PLATESHELL_CSPLITSCAN_H
#define PLATESHELL_CSPLITSCAN_H

/// A leaf's sums and the split gain to beat.
typedef struct {
    /// The leaf's gradient and hessian sums.
    double gradient, hessian;
    /// The L2 regularization λ.
    double l2;
    /// G²/(H + λ), computed as the caller computes it.
    double parent_gain;
    /// In: the gain a split must exceed; out: the best split's gain (unchanged if none).
    double best_gain;
    /// Whether the division-free test may rule points out (see SplitScan.swift); if not,
    /// every point gets its exact gain.
    int testable;
} plateshell_split_points;

/// The index in 0..<count of the point of greatest gain, the first among equals, whose gain
/// exceeds `points->best_gain` (which it then holds); -1 if none. A point's gain is
/// gl²/(hl + λ) + gr²/(hr + λ) − parent with gr = G − gl, hr = H − hl, computed in that order
/// in double precision without fused operations.
long plateshell_best_split_point(
    const double *left_gradients, const double *left_hessians, long count, plateshell_split_points *points);

/// `plateshell_best_split_point` compiled for the x86-64 baseline, whatever the processor has
/// (what a processor without AVX2 runs; tests compare the two).
long plateshell_best_split_point_baseline(
    const double *left_gradients, const double *left_hessians, long count, plateshell_split_points *points);

#endif

// The LAPACKE and CBLAS functions PlateShell calls, each forwarding to the library's own, opened
// on the first call (see include/CLapack.h).
#include "CLapack.h"
#include "lazy_library.h"

// OpenBLAS is opened first and globally, so that LAPACK's own BLAS calls resolve to it (and to
// the thread count set on it), as they did when both were linked at start-up.
static void *openblas_library(void) {
    static void *handle;
    return plateshell_open_library(&handle, "libopenblas.so.0", 1, "libopenblas0");
}

static void *lapacke_library(void) {
    static void *handle;
    openblas_library();
    return plateshell_open_library(&handle, "liblapacke.so.3", 1, "liblapacke");
}

PLATESHELL_FORWARD_VOID(openblas_library, openblas_set_num_threads, (int num_threads), (num_threads))
PLATESHELL_FORWARD_VOID(openblas_library, cblas_dgemm,
                        (const enum CBLAS_ORDER Order, const enum CBLAS_TRANSPOSE TransA, const enum CBLAS_TRANSPOSE TransB,
                         const blasint M, const blasint N, const blasint K, const double alpha, const double *A, const blasint lda,
                         const double *B, const blasint ldb, const double beta, double *C, const blasint ldc),
                        (Order, TransA, TransB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc))
PLATESHELL_FORWARD(lapacke_library, lapack_int, LAPACKE_dsyevd,
                   (int matrix_layout, char jobz, char uplo, lapack_int n, double *a, lapack_int lda, double *w),
                   (matrix_layout, jobz, uplo, n, a, lda, w))
PLATESHELL_FORWARD(lapacke_library, lapack_int, LAPACKE_dgesv,
                   (int matrix_layout, lapack_int n, lapack_int nrhs, double *a, lapack_int lda, lapack_int *ipiv, double *b,
                    lapack_int ldb),
                   (matrix_layout, n, nrhs, a, lda, ipiv, b, ldb))
PLATESHELL_FORWARD(lapacke_library, lapack_int, LAPACKE_dgesdd,
                   (int matrix_layout, char jobz, lapack_int m, lapack_int n, double *a, lapack_int lda, double *s, double *u,
                    lapack_int ldu, double *vt, lapack_int ldvt),
                   (matrix_layout, jobz, m, n, a, lda, s, u, ldu, vt, ldvt))

// LAPACK (through LAPACKE) and BLAS (OpenBLAS's CBLAS) for PlateShell's linear algebra.
//
// OpenBLAS and LAPACKE (with LAPACK, the reference BLAS interface, gfortran and quadmath) are
// loaded on first use, not when PlateShell starts: loading them, and OpenBLAS starting its
// threads, cost about 3 ms of every start. CLapack.c defines the functions PlateShell calls, each
// forwarding to the library's own.
#include <lapacke.h>
#include <cblas.h>

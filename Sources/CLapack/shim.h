// LAPACK (through LAPACKE) and BLAS (OpenBLAS's CBLAS) for PlateShell's linear algebra.
#include <lapacke.h>
#include <cblas.h>

#ifndef NMT_CBLAS_SHIM_H
#define NMT_CBLAS_SHIM_H
// OpenBLAS's cblas plus the openblas_* runtime queries (core name, thread count).
#include <cblas.h>
#endif

#ifndef NMT_CMPI_SHIM_H
#define NMT_CMPI_SHIM_H
#include <mpi.h>
#endif

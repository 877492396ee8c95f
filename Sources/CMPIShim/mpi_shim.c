#include "CMPIShim.h"
#include <mpi.h>
#include <string.h>

int nmt_mpi_init(int *rank, int *size) {
    int provided = 0;
    if (MPI_Init_thread(NULL, NULL, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS) return 1;
    MPI_Comm_rank(MPI_COMM_WORLD, rank);
    MPI_Comm_size(MPI_COMM_WORLD, size);
    return 0;
}

int nmt_mpi_finalize(void) { return MPI_Finalize(); }

int nmt_mpi_allreduce_sum_float(float *buffer, int count) {
    return MPI_Allreduce(MPI_IN_PLACE, buffer, count, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
}

int nmt_mpi_allreduce_sum_double(double *buffer, int count) {
    return MPI_Allreduce(MPI_IN_PLACE, buffer, count, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
}

int nmt_mpi_broadcast(void *buffer, int count, int root) {
    return MPI_Bcast(buffer, count, MPI_BYTE, root, MPI_COMM_WORLD);
}

int nmt_mpi_barrier(void) { return MPI_Barrier(MPI_COMM_WORLD); }

void nmt_mpi_abort(int code) { MPI_Abort(MPI_COMM_WORLD, code); }

int nmt_mpi_library_version(char *buffer, int capacity) {
    char version[MPI_MAX_LIBRARY_VERSION_STRING];
    int length = 0;
    if (MPI_Get_library_version(version, &length) != MPI_SUCCESS) return 0;
    if (length >= capacity) length = capacity - 1;
    memcpy(buffer, version, (size_t)length);
    buffer[length] = 0;
    return length;
}

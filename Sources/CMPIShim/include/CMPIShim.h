#ifndef NMT_CMPISHIM_H
#define NMT_CMPISHIM_H
/* MPI as plain C functions: MPI_COMM_WORLD, MPI_FLOAT, MPI_SUM and MPI_IN_PLACE are macros
   over global objects that Swift cannot import, so every call nmt makes goes through here.
   Errors are MPI's default (fatal: the job is aborted with MPI's message). */
#include <stddef.h>

/* Starts MPI (thread level FUNNELED: only the main thread calls MPI). Returns 0 on success. */
int nmt_mpi_init(int *rank, int *size);
int nmt_mpi_finalize(void);
/* In-place sums over all ranks; counts are below 2^31 (callers split larger buffers). */
int nmt_mpi_allreduce_sum_float(float *buffer, int count);
int nmt_mpi_allreduce_sum_double(double *buffer, int count);
int nmt_mpi_broadcast(void *buffer, int count, int root);
int nmt_mpi_barrier(void);
void nmt_mpi_abort(int code);
/* The library's own version line (works before init); returns its length. */
int nmt_mpi_library_version(char *buffer, int capacity);
#endif

// Open MPI's C API for Swift. MPI_COMM_WORLD, MPI_FLOAT, MPI_SUM and MPI_IN_PLACE are macros over
// addresses of library globals, which Swift cannot import: each is wrapped in a function here.
#include <mpi.h>

static inline MPI_Comm cmpi_comm_world(void) { return MPI_COMM_WORLD; }
static inline MPI_Datatype cmpi_float(void) { return MPI_FLOAT; }
static inline MPI_Datatype cmpi_double(void) { return MPI_DOUBLE; }
static inline MPI_Datatype cmpi_int64(void) { return MPI_INT64_T; }
static inline MPI_Op cmpi_sum(void) { return MPI_SUM; }
static inline void *cmpi_in_place(void) { return MPI_IN_PLACE; }
static inline int cmpi_success(void) { return MPI_SUCCESS; }
static inline int cmpi_thread_serialized(void) { return MPI_THREAD_SERIALIZED; }
static inline int cmpi_max_error_string(void) { return MPI_MAX_ERROR_STRING; }

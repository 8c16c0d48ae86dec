// Open MPI for Swift. Its handles (MPI_COMM_WORLD, MPI_BYTE, …) are macros over the addresses of
// globals, which Swift cannot import; these inline functions hand them over.
#include <mpi.h>

static inline MPI_Comm agora_comm_world(void) { return MPI_COMM_WORLD; }
static inline MPI_Datatype agora_byte(void) { return MPI_BYTE; }
static inline MPI_Datatype agora_int64(void) { return MPI_INT64_T; }
static inline MPI_Op agora_sum(void) { return MPI_SUM; }
static inline MPI_Op agora_max(void) { return MPI_MAX; }
static inline MPI_Status *agora_status_ignore(void) { return MPI_STATUS_IGNORE; }
static inline void *agora_in_place(void) { return MPI_IN_PLACE; }
static inline int agora_success(void) { return MPI_SUCCESS; }
static inline MPI_Errhandler agora_errors_return(void) { return MPI_ERRORS_RETURN; }
static inline MPI_Request agora_request_null(void) { return MPI_REQUEST_NULL; }
static inline MPI_Status *agora_statuses_ignore(void) { return MPI_STATUSES_IGNORE; }

#ifndef AGORA_CLINUX_SHIM_H
#define AGORA_CLINUX_SHIM_H
// Linux calls Swift cannot import as they are (prctl is variadic).
#ifdef __linux__
#include <sys/prctl.h>
#include <signal.h>

/// Asks the kernel to send `sig` to this process when the thread that started it ends.
static inline int agora_die_with_parent(int sig) { return prctl(PR_SET_PDEATHSIG, (unsigned long)sig, 0, 0, 0); }
#else
static inline int agora_die_with_parent(int sig) { (void)sig; return -1; }
#endif
#endif

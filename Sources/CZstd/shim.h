#ifndef AGORA_CZSTD_SHIM_H
#define AGORA_CZSTD_SHIM_H
#include <zstd.h>
#include <zstd_errors.h>
#endif

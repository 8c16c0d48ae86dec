#ifndef AGORA_CZLIB_SHIM_H
#define AGORA_CZLIB_SHIM_H
#include <zlib.h>
#endif

#ifndef AGORA_CSQLITE_SHIM_H
#define AGORA_CSQLITE_SHIM_H
#include <sqlite3.h>
#endif

#ifndef NMT_CSQLITE_SHIM_H
#define NMT_CSQLITE_SHIM_H
#include <sqlite3.h>
#endif

#ifndef NMT_CZLIB_SHIM_H
#define NMT_CZLIB_SHIM_H
#include <zlib.h>
#endif

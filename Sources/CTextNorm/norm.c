#include "CTextNorm.h"
#include <unicode/uversion.h>

int32_t nmt_icu_version_major(void) {
    UVersionInfo v;
    u_getVersion(v);
    return (int32_t)v[0];
}

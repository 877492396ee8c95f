#ifndef NMT_CTEXTNORM_H
#define NMT_CTEXTNORM_H
// Plain-C façade over system ICU, so Swift targets that also use Foundation never see ICU types.
#include <stdint.h>

/// Placeholder declaration; the Text work replaces this header with the real normalization API.
int32_t nmt_icu_version_major(void);

#endif

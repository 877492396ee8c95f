#ifndef NMT_CICU_SHIM_H
#define NMT_CICU_SHIM_H
// System ICU. Only C targets include this: a Swift target that imports both Foundation
// and system ICU fails to compile (see shared/TOOLCHAIN.md), so Swift sees ICU through CTextNorm.
#include <unicode/utypes.h>
#include <unicode/unorm2.h>
#include <unicode/ubrk.h>
#include <unicode/uchar.h>
#endif

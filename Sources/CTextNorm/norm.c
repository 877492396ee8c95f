// ICU normalization behind plain stdint functions (see include/CTextNorm.h).
#include "CTextNorm.h"
#include <stdlib.h>
#include <unicode/uversion.h>
#include <unicode/ustring.h>
#include <unicode/unorm2.h>
#include <unicode/uchar.h>
#include <unicode/uscript.h>

int32_t nmt_icu_version_major(void) {
    UVersionInfo v;
    u_getVersion(v);
    return (int32_t)v[0];
}

static const UNormalizer2 *normalizer_for(int32_t form, UErrorCode *status) {
    switch (form) {
    case NMT_FORM_NFC: return unorm2_getNFCInstance(status);
    case NMT_FORM_NFKC: return unorm2_getNFKCInstance(status);
    default: return NULL;
    }
}

// A UTF-16 buffer that lives on the stack for ordinary lines and on the heap for long ones.
typedef struct {
    UChar *units;
    int32_t capacity;
    int heap;
} Buffer16;

static int reserve(Buffer16 *b, int32_t capacity) {
    if (capacity <= b->capacity) return 1;
    UChar *p = (UChar *)malloc(sizeof(UChar) * (size_t)capacity);
    if (!p) return 0;
    if (b->heap) free(b->units);
    b->units = p;
    b->capacity = capacity;
    b->heap = 1;
    return 1;
}

static void release(Buffer16 *b) {
    if (b->heap) free(b->units);
}

static int is_space(UChar32 c) { return c == 0x20 || c == 0x2581 || u_isUWhiteSpace(c); }

int32_t nmt_clean_utf8(int32_t form, const uint8_t *input, int32_t length, uint8_t *output, int32_t capacity) {
    UChar stackA[1024], stackB[1024];
    Buffer16 a = {stackA, 1024, 0}, b = {stackB, 1024, 0};
    int32_t result = NMT_CLEAN_ICU_FAILURE;
    UErrorCode status = U_ZERO_ERROR;

    // UTF-8 → UTF-16: never more units than bytes. Strict: ill-formed input is an error.
    if (!reserve(&a, length + 1)) { result = NMT_CLEAN_OUT_OF_MEMORY; goto done; }
    int32_t n = 0;
    u_strFromUTF8(a.units, a.capacity, &n, (const char *)input, length, &status);
    if (status == U_INVALID_CHAR_FOUND || status == U_ILLEGAL_CHAR_FOUND) { result = NMT_CLEAN_INVALID_UTF8; goto done; }
    if (U_FAILURE(status)) goto done;

    // 1. Drop control characters first, so they cannot block composition in step 2.
    //    Every Cc character is a single BMP unit, so a per-unit filter is exact.
    int32_t kept = 0;
    for (int32_t i = 0; i < n; i++) {
        UChar c = a.units[i];
        if (u_charType(c) == U_CONTROL_CHAR && !u_isUWhiteSpace(c)) continue;
        a.units[kept++] = c;
    }
    n = kept;

    // 2. Normalize, skipping the copy when the text is already normalized (the common case).
    UChar *text = a.units;
    const UNormalizer2 *normalizer = normalizer_for(form, &status);
    if (U_FAILURE(status)) goto done;
    if (normalizer) {
        int32_t prefix = unorm2_spanQuickCheckYes(normalizer, a.units, n, &status);
        if (U_FAILURE(status)) goto done;
        if (prefix < n) {
            int32_t needed = unorm2_normalize(normalizer, a.units, n, b.units, b.capacity, &status);
            if (status == U_BUFFER_OVERFLOW_ERROR) {
                status = U_ZERO_ERROR;
                if (!reserve(&b, needed + 1)) { result = NMT_CLEAN_OUT_OF_MEMORY; goto done; }
                needed = unorm2_normalize(normalizer, a.units, n, b.units, b.capacity, &status);
            }
            if (U_FAILURE(status)) goto done;
            text = b.units;
            n = needed;
        }
    }

    // 3. Collapse and trim white space, in place (the output is never longer).
    int32_t out = 0, i = 0, pendingSpace = 0;
    while (i < n) {
        UChar32 c;
        U16_NEXT(text, i, n, c);
        if (is_space(c)) { pendingSpace = 1; continue; }
        if (pendingSpace && out > 0) text[out++] = 0x20;
        pendingSpace = 0;
        U16_APPEND_UNSAFE(text, out, c);
    }

    // UTF-16 → UTF-8; on overflow ICU still reports the full length, which we return.
    int32_t bytes = 0;
    u_strToUTF8((char *)output, capacity, &bytes, text, out, &status);
    if (status == U_BUFFER_OVERFLOW_ERROR || status == U_STRING_NOT_TERMINATED_WARNING) status = U_ZERO_ERROR;
    if (U_FAILURE(status)) goto done;
    result = bytes;
done:
    release(&a);
    release(&b);
    return result;
}

int32_t nmt_script_class(uint32_t codePoint) {
    UErrorCode status = U_ZERO_ERROR;
    UScriptCode script = uscript_getScript((UChar32)codePoint, &status);
    if (U_FAILURE(status)) return USCRIPT_UNKNOWN;
    if (script == USCRIPT_HIRAGANA || script == USCRIPT_KATAKANA || codePoint == 0x30FC) return USCRIPT_HAN;
    if (script == USCRIPT_INHERITED) return NMT_SCRIPT_ANY;
    return (int32_t)script;
}

#ifndef NMT_CTEXTNORM_H
#define NMT_CTEXTNORM_H
// Plain-C façade over system ICU, so Swift targets never see ICU types (a Swift target that
// imports Foundation and system ICU does not compile; see shared/TOOLCHAIN.md).
#include <stdint.h>

/// Unicode normalization forms for nmt_clean_utf8.
enum {
    NMT_FORM_NONE = 0,
    NMT_FORM_NFC = 1,
    NMT_FORM_NFKC = 2,
};

/// Error results of nmt_clean_utf8 (all negative).
enum {
    NMT_CLEAN_INVALID_UTF8 = -1,
    NMT_CLEAN_ICU_FAILURE = -2,
    NMT_CLEAN_OUT_OF_MEMORY = -3,
};

/// Cleans one line of UTF-8 text for tokenization, in this order:
///   1. removes control characters (general category Cc) that are not white space;
///   2. applies the normalization form (NMT_FORM_NONE skips this step);
///   3. turns every run of white space (Unicode White_Space, plus U+2581 "▁", the tokenizer's
///      word-boundary marker) into one U+0020 and trims both ends.
/// Writes at most `capacity` bytes to `output` and returns the full length of the result, which
/// may exceed `capacity` (then call again with a buffer that large), or a negative NMT_CLEAN_* error.
int32_t nmt_clean_utf8(int32_t form, const uint8_t *input, int32_t length, uint8_t *output, int32_t capacity);

/// The script class of a code point for BPE piece boundaries, as SentencePiece defines it:
/// the Unicode Script property (ICU UScriptCode), with Hiragana, Katakana and U+30FC counted as
/// Han, and NMT_SCRIPT_ANY for Inherited (combining marks take their neighbour's script).
enum { NMT_SCRIPT_ANY = -1 };
int32_t nmt_script_class(uint32_t codePoint);

/// The major version of the ICU library in use.
int32_t nmt_icu_version_major(void);

#endif

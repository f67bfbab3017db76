// Normaliser: turns a raw resident message into the canonical text that intent patterns
// and entity extractors are written against, and remembers where every output byte came
// from so that a match can be shown on the ORIGINAL characters.
//
// What it does, in order (intents/README.md has the full contract):
//   * decodes UTF-8; every invalid byte becomes U+FFFD (counted in `invalid_bytes`), so
//     RE2 never sees invalid UTF-8;
//   * strips CQ codes ([CQ:...]), <at ...>...</at> markup, @mentions, WeChat/QQ bracket
//     emoticons ([捂脸]), emoji and zero-width characters;
//   * full-width ASCII -> half-width, Latin -> lower case, traditional -> simplified
//     (OpenCC t2s, applied per character), look-alikes (Cyrillic/Greek letters, circled
//     digits) -> their plain form;
//   * runs of four or more Chinese digits (一三八…), or Chinese digits touching ASCII digits,
//     become ASCII digits; amounts with units (三千) stay as written for the entity stage;
//   * spaces and separator symbols between two CJK characters are dropped (刷-单, 安 全 账 户),
//     other whitespace collapses to one space, runs of one punctuation mark collapse to one.
//
// Thread-safe: a Normaliser is immutable. The OpenCC character table is built once per
// process (about 30 ms) and shared by every Normaliser.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/core/classification.h"
#include "gateway/core/status.h"

namespace gridrelay::intents {

struct NormalisedText {
  std::string text;  // valid UTF-8, what patterns run on
  // For every byte of `text`: the original byte range of the character it came from.
  std::vector<int> orig_begin;
  std::vector<int> orig_end;
  int invalid_bytes = 0;  // invalid UTF-8 bytes replaced by U+FFFD

  // Maps a half-open byte range of `text` back to the original text. An empty range maps
  // to an empty range at the corresponding original position.
  TextSpan ToOriginal(int begin, int end) const;
};

class Normaliser {
 public:
  // Fails (kFailedPrecondition) when OpenCC's t2s data cannot be loaded.
  static StatusOr<Normaliser> Create();

  NormalisedText Normalise(std::string_view text) const;

 private:
  struct Table;
  explicit Normaliser(std::shared_ptr<const Table> table) : table_(std::move(table)) {}
  std::shared_ptr<const Table> table_;
};

// UTF-8 helpers shared by the engine, the entity extractor and the n-gram model.
// Decodes one code point at `pos`; returns its length (1 for an invalid byte, with
// `*cp` = U+FFFD).
int DecodeUtf8(std::string_view s, size_t pos, char32_t* cp);
void AppendUtf8(char32_t cp, std::string* out);
// Replaces every invalid byte by U+FFFD.
std::string RepairUtf8(std::string_view s, int* invalid_bytes = nullptr);
bool IsCjk(char32_t cp);

}  // namespace gridrelay::intents

// The normaliser on arbitrary bytes: no crash, valid UTF-8 out, and a map back to the original
// that stays inside the input (the engine shows matches on the original characters by it).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz/fuzz_util.h"
#include "intents/normaliser.h"

using gridrelay::fuzz::Check;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const gridrelay::intents::Normaliser normaliser =
      *gridrelay::fuzz::Must(gridrelay::intents::Normaliser::Create(), "normaliser");
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const gridrelay::intents::NormalisedText out = normaliser.Normalise(input);

  int invalid = 0;
  Check(gridrelay::intents::RepairUtf8(out.text, &invalid) == out.text && invalid == 0, "output is not valid UTF-8");
  Check(out.orig_begin.size() == out.text.size() && out.orig_end.size() == out.text.size(),
        "the map back has one entry per output byte");
  const int n = static_cast<int>(size);
  for (size_t i = 0; i < out.text.size(); ++i) {
    Check(0 <= out.orig_begin[i] && out.orig_begin[i] <= out.orig_end[i] && out.orig_end[i] <= n,
          "an output byte maps outside the input");
  }
  // Every range of the output maps to a range of the input.
  for (int b = 0; b <= static_cast<int>(out.text.size()); b += 7) {
    const int e = std::min<int>(static_cast<int>(out.text.size()), b + 5);
    const gridrelay::TextSpan span = out.ToOriginal(b, e);
    Check(0 <= span.begin && span.begin <= span.end && span.end <= n, "ToOriginal leaves the input");
  }
  return 0;
}

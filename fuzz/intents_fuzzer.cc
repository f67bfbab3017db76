// The intent engine built from the shipped library and model, classifying arbitrary bytes: no
// crash, a known category, and every match and entity span inside the input with the text it
// claims to cover (staff see matches on the original characters).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "fuzz/fuzz_util.h"
#include "intents/compiled_engine.h"
#include "intents/normaliser.h"

using gridrelay::fuzz::Check;

namespace {

void CheckSpan(const gridrelay::TextSpan& span, std::string_view input, const char* what) {
  Check(0 <= span.begin && span.begin <= span.end && span.end <= static_cast<int>(input.size()),
        std::string(what) + " span outside the input");
}

std::shared_ptr<const gridrelay::intents::CompiledEngine> engine;

}  // namespace

// Building the engine takes seconds under ASan (the 3 MB model above all): done here, before
// libFuzzer starts timing inputs, so that it is not taken for a hang.
extern "C" int LLVMFuzzerInitialize(int*, char***) {
  engine = *gridrelay::fuzz::Must(gridrelay::intents::CompiledEngine::Build(gridrelay::fuzz::ShippedConfigDir()),
                                  "intent engine");
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const gridrelay::Classification c = engine->Classify(input);

  static const std::string kCategories[] = {"appeal", "legal_aid", "anti_fraud", "none"};
  Check(std::find(std::begin(kCategories), std::end(kCategories), c.category) != std::end(kCategories),
        "unknown category " + c.category);
  Check(gridrelay::CategoryOf(c.intent) == c.category, "intent " + c.intent + " is not in " + c.category);
  Check(c.confidence >= 0.0 && c.confidence <= 1.0, "confidence out of [0,1]");
  // The text shown for a span is the original bytes, with invalid UTF-8 replaced (it goes into JSON).
  const auto shown = [&](const gridrelay::TextSpan& span) {
    return gridrelay::intents::RepairUtf8(input.substr(span.begin, span.end - span.begin));
  };
  for (const auto& m : c.matches) {
    CheckSpan(m.span, input, "match");
    Check(m.text == shown(m.span), "match text is not its span");
  }
  for (const auto& e : c.entities) {
    CheckSpan(e.span, input, "entity");
    Check(e.text == shown(e.span), "entity text is not its span");
  }
  return 0;
}

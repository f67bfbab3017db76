// `gridrelay corrections export [--since DATE]`: the corrections people made to the classifier
// (confirm, reclassify, dismiss; issue #11) as labelled JSON Lines in the training data's
// format (shared/docs/taxonomy.md: id, text, category, intent, urgent), so that the district's
// own traffic can train the model (`gridrelay train --data`). Mobile, ID-card and bank-card
// numbers in the text are masked (util/log.h MaskPersonalNumbers, the logger's own masking).
// Each line also says where it came from: kind, the engine's guess, message and ticket ids.
// main.cc parses the flags, opens the store and calls this.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>

#include "gateway/store/store.h"

namespace gridrelay {

// Writes every correction made at or after `since` (a date, "2026-11-01", as that day's start
// in China time, or an RFC 3339 instant; "" for all), oldest first. Returns the exit code: 0;
// 1 when the store fails; 2 (with the reason on `err`) for a malformed --since.
int RunCorrectionsExport(CorrectionStore& store, const std::string& since, std::ostream& out, std::ostream& err);

}  // namespace gridrelay

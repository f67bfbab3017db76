#include "gateway/corrections_command.h"

#include <nlohmann/json.hpp>

#include "gateway/workflow/report.h"
#include "util/log.h"

namespace gridrelay {

int RunCorrectionsExport(CorrectionStore& store, const std::string& since, std::ostream& out, std::ostream& err) {
  int64_t from = 0;
  if (!since.empty()) {
    // Dates and instants read as `report --from` reads them.
    auto bound = workflow::ParseTimeBound("--since", since, /*day_end=*/false);
    if (!bound.ok()) {
      err << "corrections export: " << bound.status().message() << "\n";
      return 2;
    }
    from = *bound;
  }
  int64_t after = 0;
  constexpr int kPage = 500;
  while (true) {
    auto page = store.ListCorrections(from, after, kPage);
    if (!page.ok()) {
      err << "corrections export: " << page.status().ToString() << "\n";
      return 1;
    }
    for (const LabelledCorrection& l : *page) {
      const Correction& k = l.correction;
      nlohmann::json line = {
          {"id", "corr-" + std::to_string(k.id)},
          {"text", MaskPersonalNumbers(l.text)},
          {"category", k.category},
          {"intent", k.intent},
          {"urgent", l.urgent},
          {"source", "correction"},
          {"kind", k.kind},
          {"guess", {{"category", k.guess_category}, {"intent", k.guess_intent}}},
          {"message_id", k.message_id},
          {"ticket_id", k.ticket_id},
      };
      out << line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
      after = k.id;
    }
    if (static_cast<int>(page->size()) < kPage) break;
  }
  out.flush();
  return 0;
}

}  // namespace gridrelay

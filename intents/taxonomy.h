// The label vocabulary of shared/docs/taxonomy.md, as the engine and eval know it.
// Keep in step with that document: the loader rejects intent names not listed here and
// check-config requires every one of them to be covered by the intent files.
#pragma once

#include <array>
#include <string_view>

namespace gridrelay::intents {

inline constexpr std::array<std::string_view, 4> kCategories = {"anti_fraud", "legal_aid", "appeal", "none"};

inline constexpr std::array<std::string_view, 26> kTaxonomyIntents = {
    "appeal.sanitation",
    "appeal.noise",
    "appeal.facilities",
    "appeal.safety_hazard",
    "appeal.parking_traffic",
    "appeal.neighbor_dispute",
    "appeal.welfare",
    "appeal.other",
    "legal_aid.labor",
    "legal_aid.marriage_family",
    "legal_aid.domestic_violence",
    "legal_aid.contract_debt",
    "legal_aid.consumer",
    "legal_aid.injury_accident",
    "legal_aid.other",
    "anti_fraud.impersonate_authority",
    "anti_fraud.order_brushing",
    "anti_fraud.fake_investment",
    "anti_fraud.fake_loan",
    "anti_fraud.fake_customer_service",
    "anti_fraud.fake_credit",
    "anti_fraud.romance",
    "anti_fraud.impersonate_acquaintance",
    "anti_fraud.game_trading",
    "anti_fraud.phishing_link",
    "anti_fraud.other",
};

// Precedence rank of a category: higher wins (anti_fraud > legal_aid > appeal > none).
// -1 for an unknown category.
inline int CategoryRank(std::string_view category) {
  if (category == "anti_fraud") return 3;
  if (category == "legal_aid") return 2;
  if (category == "appeal") return 1;
  if (category == "none") return 0;
  return -1;
}

inline bool IsTaxonomyIntent(std::string_view intent) {
  for (auto i : kTaxonomyIntents)
    if (i == intent) return true;
  return false;
}

}  // namespace gridrelay::intents

// Duplicate appeals (重复件, issue #11): when is a new resident report the same problem as an
// open ticket, so that it attaches to that ticket instead of opening another?
//
// A report is a duplicate of a ticket when all of these hold:
//   * the ticket is open (any status `attach` is allowed from in the lifecycle table), in the same
//     grid, opened within `duplicates.window_hours`, with the same intent, and that intent's
//     category is one of `duplicates.categories` (appeals: a legal or fraud matter is one
//     person's, never pooled);
//   * the places do not conflict: the buildings, units and rooms the entity extractor found
//     (3栋, 5栋2单元, 1单元302室) and the grid's landmark words (`duplicates.places`: 东门, 菜市场,
//     停车场…) may not be named on both sides with nothing in common ("3栋楼道灯坏了" is not
//     "5栋楼道灯坏了", however alike the words);
//   * the texts overlap enough: the Jaccard index of their character bigrams, after the places,
//     punctuation, spaces and stop characters (的了吗…) are taken out, reaches
//     `duplicates.place_threshold` when they share a place, or `duplicates.text_threshold`
//     when neither names one (a higher bar: nothing else ties them together).
// Taking the places out before comparing means the texts are compared on the problem itself
// ("灯坏了" against "道闸坏了"), not on the shared address.
//
// Pure and thread-safe: no store, no clock. The figures on tests/fixtures/duplicates/pairs.jsonl
// are in the README; a wrong merge hides a problem, so the thresholds favour precision.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "gateway/config/config.h"
#include "gateway/store/store.h"

namespace gridrelay::workflow {

// How alike two reports are, and why.
struct Likeness {
  double jaccard = 0.0;         // character-bigram Jaccard over the texts without their places
  bool shared_place = false;    // a building/unit/room or landmark named by both
  bool place_conflict = false;  // both name places and none is shared
  bool duplicate = false;       // the verdict under the options' thresholds
  std::string why;              // "shared place 3栋, bigram Jaccard 0.25 >= 0.20", for the event
};

// Compares two reports: their original texts and the entities the classifier found in each (a
// JSON array of Entity, as tickets store them). Only the text and the places are compared here;
// the intent, grid, window and status are the caller's filter (FindDuplicate).
Likeness CompareReports(const DuplicateOptions& options, std::string_view a_text, const nlohmann::json& a_entities,
                        std::string_view b_text, const nlohmann::json& b_entities);

struct DuplicateMatch {
  const Ticket* ticket = nullptr;
  Likeness likeness;
};

// The open ticket among `candidates` that `message` (grid `grid_id`, at `now`) duplicates: the
// most alike one, the newest on a tie; nullopt when there is none or duplicates are disabled.
// `candidates` may hold any tickets: the filter above is applied here.
std::optional<DuplicateMatch> FindDuplicate(const DuplicateOptions& options, const StoredMessage& message,
                                            const std::string& grid_id, std::span<const Ticket> candidates,
                                            int64_t now);

// Whether two reports of one batch, both about to open tickets, could be one problem: then the
// later waits for the earlier's ticket to be committed, so that it can attach to it.
bool MayDuplicate(const DuplicateOptions& options, const StoredMessage& later, const StoredMessage& earlier);

}  // namespace gridrelay::workflow

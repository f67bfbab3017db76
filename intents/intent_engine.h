// IntentEngine: classifies one resident message into the taxonomy
// (shared/docs/taxonomy.md), with the rule hits and entities that explain it.
//
// Built once from a config directory (config/intents/*.yaml, plus config/models/ when a
// trained model is there) and immutable afterwards: Classify is const and thread-safe.
// A hot reload builds a new engine and swaps a shared_ptr; a broken file never replaces
// a running engine.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/core/classification.h"
#include "gateway/core/status.h"

namespace gridrelay::intents {

class IntentEngine;

// What `check-config` reports about the intent files beyond hard errors.
struct IntentCheckReport {
  std::vector<std::string> warnings;  // e.g. conflicts: two intents match one example, and who wins
  int intents = 0;
  int patterns = 0;
  int examples_checked = 0;
};

class IntentEngine {
 public:
  // Loads and compiles every intent file under `config_dir`/intents. A bad file, pattern or
  // fragment is an error naming the file and line.
  static StatusOr<std::shared_ptr<const IntentEngine>> Load(const std::filesystem::path& config_dir);

  // Loads like Load, then runs every example and counter-example. Fails with the file, the
  // line and the offending example; warnings go in the report.
  static StatusOr<IntentCheckReport> Check(const std::filesystem::path& config_dir);

  virtual ~IntentEngine() = default;

  // Thread-safe. Never fails: text that cannot be classified is category "none".
  virtual Classification Classify(std::string_view text) const = 0;
};

}  // namespace gridrelay::intents

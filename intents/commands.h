// The work behind `gridrelay classify | check-config | eval | train`. gateway/main.cc only
// parses flags and calls these; everything they print goes to the given stream, and the
// returned Status is the command's outcome (non-ok -> non-zero exit).
#pragma once

#include <filesystem>
#include <iosfwd>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "gateway/core/status.h"
#include "intents/compiled_engine.h"
#include "intents/intent_engine.h"

namespace gridrelay::intents {

// ---- classify ----
// Reads JSON Lines ({"text": ...}, other fields ignored; "id" is echoed) or plain text lines,
// and writes one JSON object per input line, in order: the Classification, or {"error": ...}
// for a bad line (the run goes on). Fails only when the config cannot be loaded.
Status RunClassify(const std::filesystem::path& config_dir, std::istream& in, std::ostream& out);
void ClassifyStream(const IntentEngine& engine, std::istream& in, std::ostream& out);

// ---- check-config ----
// Runs every example and counter-example with the rules alone (so a pattern gap cannot hide
// behind the model). Errors name the file, the line and the example; conflicts (an example
// matched by several intents) and patterns that run on every message are warnings.
// `require_full_taxonomy`: every taxonomy intent must be defined (true for shipped configs).
StatusOr<IntentCheckReport> CheckEngine(const CompiledEngine& engine, bool require_full_taxonomy);
// Prints the warnings and a summary line.
Status RunCheck(const std::filesystem::path& config_dir, std::ostream& out);

// ---- eval ----
struct LabelledLine {
  std::string id;
  std::string text;
  std::string category;
  std::string intent;
  bool urgent = false;
  std::string source;  // "file:line"
};
// Reads a JSON Lines file in the taxonomy's data format (unknown keys ignored).
StatusOr<std::vector<LabelledLine>> ReadLabelled(const std::filesystem::path& path);

struct PrfScore {
  int support = 0;    // gold count
  int predicted = 0;  // predicted count
  int correct = 0;
  double precision = 0, recall = 0, f1 = 0;
};
struct ReliabilityBin {
  double lo = 0, hi = 0;
  int count = 0;
  int correct = 0;  // intent right
  double mean_confidence = 0;
};
struct EvalError {
  std::string id, text, gold_intent, predicted_intent, by;
  double confidence = 0;
  bool gold_urgent = false, predicted_urgent = false;
};
struct EvalFigures {
  int lines = 0;
  double intent_accuracy = 0;
  double category_accuracy = 0;
  double category_macro_f1 = 0;  // over the categories in gold or predicted, none included
  double intent_macro_f1 = 0;    // over the intents in gold or predicted, none included
  double anti_fraud_recall = 0;
  double false_alarm_rate = 0;  // gold none predicted as anything else
  double urgent_recall = 0;
  double urgent_precision = 0;
  std::map<std::string, PrfScore> per_category;
  std::map<std::string, PrfScore> per_intent;
  std::map<std::string, std::map<std::string, int>> confusion;  // gold category -> predicted -> n
  std::vector<ReliabilityBin> reliability;
  std::map<std::string, int> decided_by;  // rule | model | default -> n
  std::map<std::string, int> decisions;   // act | confirm | ignore -> n
  double confirm_share = 0;               // confirm / lines
  int warnings = 0;                       // lines with warn: true
  double warn_precision = 0;              // of those, gold anti_fraud (0 when none warned)
  std::vector<EvalError> errors;          // lines whose intent or urgency is wrong
};
struct EvalReport {
  std::vector<std::string> files;
  int lines = 0;
  EvalFigures rules_only;
  std::optional<EvalFigures> with_model;  // absent when there is no model
  bool model_present = false;
  int overlap_lines = 0;           // eval lines the shipped model was trained on
  bool cross_validated = false;    // with_model comes from k-fold models, not the shipped one
  int folds = 0;
  std::vector<std::string> training_files_reused;   // the model's training files the folds used
  std::vector<std::string> missing_training_files;  // recorded but no longer readable
  // The figures of the product as shipped: with the model when there is one.
  const EvalFigures& primary() const { return with_model ? *with_model : rules_only; }
};
struct EvalOptions {
  bool use_model = true;  // Default: true.
  int folds = 5;          // k for cross-validation on overlap. Default: 5.
};
StatusOr<EvalReport> Evaluate(const std::filesystem::path& config_dir, const std::vector<std::filesystem::path>& data,
                              const EvalOptions& options = {});
void PrintEvalReport(const EvalReport& report, bool show_errors, std::ostream& out);
nlohmann::json EvalReportToJson(const EvalReport& report, bool include_errors);
// Prints the report (or its JSON when `json`). Fails only when config or data cannot be read.
Status RunEval(const std::filesystem::path& config_dir, const std::vector<std::filesystem::path>& data,
               bool show_errors, std::ostream& out, bool json = false);

// ---- train ----
// Trains the n-gram model on the data files plus the intents' examples (none.yaml examples
// as `none`) and writes ModelPath(config_dir). Prints what it trained on.
// `options` chooses the model (`kind`: logreg by default, or naive_bayes) and its settings.
Status RunTrain(const std::filesystem::path& config_dir, const std::vector<std::filesystem::path>& data,
                std::ostream& out, const TrainOptions& options = {});

}  // namespace gridrelay::intents

// IntentLibrary: the intent files (config/intents/*.yaml) parsed, validated and with every
// {{fragment}} expanded, before anything is compiled. Every pattern and example keeps the
// file and line it came from, so that errors, check-config and `pattern_id` can point at it.
// The file format is described in intents/README.md.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "gateway/core/status.h"

namespace gridrelay::intents {

struct SourcePattern {
  std::string written;  // as written in the file
  std::string regex;    // fragments expanded (for a keyword: the keyword itself)
  bool keyword = false;
  std::string file;  // file name, e.g. "anti_fraud.yaml"
  int line = 0;
  // "<file>:<line>", or "keyword:<word>" for a keyword.
  std::string Id() const;
};

struct SourceExample {
  std::string text;
  std::string file;
  int line = 0;
};

struct IntentSpec {
  std::string name;      // "anti_fraud.romance"
  std::string category;  // "anti_fraud"
  int priority = 0;      // higher wins within a category. Default 0.
  double strength = 0.8;  // (0,1]: how sure one hit is. Default 0.8.
  std::string file;
  int line = 0;
  std::vector<SourcePattern> patterns;  // patterns and keywords
  std::vector<SourcePattern> exclude;
  std::vector<SourcePattern> urgent;
  std::vector<SourceExample> examples;
  std::vector<SourceExample> counter_examples;
  // A speech-act frame (a category file's `frames` list): what a message does, not what it
  // is about. It names a taxonomy intent like an intent does, but it is weaker: its default
  // priority is -10, so any specific intent of the same category beats it, and the usual
  // category precedence still applies across categories.
  bool frame = false;
};

// One class of the urgent detector (urgent.yaml `urgent_detector`). It fires when one of
// `patterns` matches, one of `requires` does (when there are any), and no `exclude` of its
// own or of the file does.
struct UrgentClass {
  std::string name;
  std::string intent;  // where an urgent message goes when no category rule decided it
  std::string file;
  int line = 0;
  std::vector<SourcePattern> patterns;
  std::vector<SourcePattern> required;  // YAML `requires`
  std::vector<SourcePattern> exclude;
};

// decision.yaml: thresholds of the act / confirm / ignore decision and of `warn`.
struct DecisionThresholds {
  double act = 0.6;            // a rule decision at or above this confidence: act
  double confirm = 0.3;        // at or above this (below act): confirm; below: ignore
  double model_act = 0.99;     // a model decision at or above this probability: act
  double model_confirm = 0.99; // the model names a category only at or above this
  double warn = 0.75;          // an anti_fraud act at or above this confidence may warn
  bool set = false;            // a decision file was loaded
};

struct CategorySpec {
  std::string category;
  std::string file;
  std::vector<SourcePattern> exclude;  // veto every intent of the category
  std::vector<SourcePattern> urgent;   // urgent when the category wins
};

struct IntentLibrary {
  std::vector<IntentSpec> intents;
  std::vector<CategorySpec> categories;
  std::vector<SourcePattern> vetoes;          // none.yaml `veto`
  std::vector<SourceExample> none_examples;   // none.yaml `examples`
  std::map<std::string, std::string> fragments;  // name -> expanded body
  std::vector<UrgentClass> urgent_classes;           // urgent.yaml `urgent_detector`
  std::vector<SourcePattern> urgent_exclude;         // urgent.yaml `exclude`
  std::vector<SourceExample> urgent_examples;        // must be urgent (rules alone)
  std::vector<SourceExample> not_urgent_examples;    // must not be urgent
  DecisionThresholds decision;                       // decision.yaml `decision`
  std::vector<SourcePattern> warn_exclude;           // decision.yaml `warn_exclude`: never warn
  std::vector<std::string> files;
};

// Reads every *.yaml under `intents_dir` (sorted by name). Errors are kInvalidArgument
// ("file:line: what") for bad content and kNotFound when there is no intent file.
StatusOr<IntentLibrary> LoadIntentLibrary(const std::filesystem::path& intents_dir);

}  // namespace gridrelay::intents

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
  std::vector<std::string> files;
};

// Reads every *.yaml under `intents_dir` (sorted by name). Errors are kInvalidArgument
// ("file:line: what") for bad content and kNotFound when there is no intent file.
StatusOr<IntentLibrary> LoadIntentLibrary(const std::filesystem::path& intents_dir);

}  // namespace gridrelay::intents

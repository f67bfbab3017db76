// Intent file loader. yaml-cpp throws, so every call into it sits behind one try block per
// file and comes back as a Status with the file and line. Unknown keys are errors: a typo
// such as `pattern:` for `patterns:` would otherwise silently disable a rule.
#include "intents/intent_library.h"

#include <algorithm>
#include <set>

#include <yaml-cpp/yaml.h>

#include "intents/taxonomy.h"
#include "util/yaml_file.h"

namespace gridrelay::intents {

namespace fs = std::filesystem;

std::string SourcePattern::Id() const {
  return keyword ? "keyword:" + written : file + ":" + std::to_string(line);
}

namespace {

struct RawFragment {
  std::string body;
  std::string file;
  int line;
};

int LineOf(const YAML::Node& n) { return n.Mark().line + 1; }

class Expander {
 public:
  explicit Expander(const std::map<std::string, RawFragment>& raw) : raw_(raw) {}

  // Expands {{name}} references; each fragment becomes a non-capturing group.
  StatusOr<std::string> Expand(const std::string& text, const std::string& where) {
    std::string out;
    size_t pos = 0;
    while (true) {
      size_t open = text.find("{{", pos);
      if (open == std::string::npos) break;
      size_t close = text.find("}}", open + 2);
      if (close == std::string::npos) return Status::InvalidArgument(where + ": unterminated {{ in \"" + text + "\"");
      out.append(text, pos, open - pos);
      std::string name = text.substr(open + 2, close - open - 2);
      name.erase(0, name.find_first_not_of(' '));
      name.erase(name.find_last_not_of(' ') + 1);
      auto body = Fragment(name, where);
      if (!body.ok()) return body.status();
      out += "(?:" + *body + ")";
      pos = close + 2;
    }
    out.append(text, pos, std::string::npos);
    return out;
  }

  StatusOr<std::string> Fragment(const std::string& name, const std::string& where) {
    if (auto it = done_.find(name); it != done_.end()) return it->second;
    auto it = raw_.find(name);
    if (it == raw_.end()) return Status::InvalidArgument(where + ": unknown fragment {{" + name + "}}");
    if (std::find(stack_.begin(), stack_.end(), name) != stack_.end())
      return Status::InvalidArgument(it->second.file + ":" + std::to_string(it->second.line) + ": fragment {{" + name +
                                     "}} refers to itself");
    stack_.push_back(name);
    auto body = Expand(it->second.body, it->second.file + ":" + std::to_string(it->second.line));
    stack_.pop_back();
    if (!body.ok()) return body.status();
    done_[name] = *body;
    return *body;
  }

  const std::map<std::string, std::string>& done() const { return done_; }

 private:
  const std::map<std::string, RawFragment>& raw_;
  std::map<std::string, std::string> done_;
  std::vector<std::string> stack_;
};

StatusOr<std::vector<std::string>> Strings(const std::string& file, const YAML::Node& node, const std::string& key,
                                           std::vector<int>* lines) {
  std::vector<std::string> out;
  if (!node) return out;
  if (!node.IsSequence()) return Status::InvalidArgument(YamlWhere(file, node) + ": '" + key + "' must be a list");
  for (const auto& item : node) {
    if (!item.IsScalar())
      return Status::InvalidArgument(YamlWhere(file, item) + ": every item of '" + key + "' must be a string");
    std::string s = item.as<std::string>();
    if (s.empty()) return Status::InvalidArgument(YamlWhere(file, item) + ": empty string in '" + key + "'");
    out.push_back(std::move(s));
    lines->push_back(LineOf(item));
  }
  return out;
}

StatusOr<std::vector<SourcePattern>> Patterns(const std::string& file, const YAML::Node& node, const std::string& key,
                                              bool keyword, Expander* expander) {
  std::vector<int> lines;
  auto strings = Strings(file, node, key, &lines);
  if (!strings.ok()) return strings.status();
  std::vector<SourcePattern> out;
  for (size_t i = 0; i < strings->size(); ++i) {
    SourcePattern p;
    p.written = (*strings)[i];
    p.keyword = keyword;
    p.file = file;
    p.line = lines[i];
    if (keyword) {
      p.regex = p.written;
    } else {
      auto expanded = expander->Expand(p.written, file + ":" + std::to_string(p.line));
      if (!expanded.ok()) return expanded.status();
      p.regex = *expanded;
    }
    out.push_back(std::move(p));
  }
  return out;
}

StatusOr<std::vector<SourceExample>> Examples(const std::string& file, const YAML::Node& node, const std::string& key) {
  std::vector<int> lines;
  auto strings = Strings(file, node, key, &lines);
  if (!strings.ok()) return strings.status();
  std::vector<SourceExample> out;
  for (size_t i = 0; i < strings->size(); ++i) out.push_back({(*strings)[i], file, lines[i]});
  return out;
}

template <typename T>
Status Take(StatusOr<T> v, T* out) {
  if (!v.ok()) return v.status();
  *out = std::move(*v);
  return Status::Ok();
}

Status ParseIntent(const std::string& file, const std::string& category, const YAML::Node& node, Expander* expander,
                   IntentSpec* spec, bool frame = false) {
  spec->frame = frame;
  if (frame) spec->priority = -10;
  GR_RETURN_IF_ERROR(CheckYamlKeys(file, node,
                               {"name", "priority", "strength", "patterns", "keywords", "exclude", "urgent", "examples",
                                "counter_examples", "description"},
                               "an intent"));
  spec->file = file;
  spec->line = LineOf(node);
  if (!node["name"] || !node["name"].IsScalar())
    return Status::InvalidArgument(YamlWhere(file, node) + ": an intent needs a 'name'");
  spec->name = node["name"].as<std::string>();
  spec->category = category;
  if (!IsTaxonomyIntent(spec->name))
    return Status::InvalidArgument(YamlWhere(file, node["name"]) + ": '" + spec->name +
                                   "' is not an intent of the taxonomy (shared/docs/taxonomy.md)");
  if (spec->name.rfind(category + ".", 0) != 0)
    return Status::InvalidArgument(YamlWhere(file, node["name"]) + ": intent '" + spec->name +
                                   "' does not belong to this file's category '" + category + "'");
  if (node["priority"]) {
    try {
      spec->priority = node["priority"].as<int>();
    } catch (const YAML::Exception&) {
      return Status::InvalidArgument(YamlWhere(file, node["priority"]) + ": 'priority' must be an integer");
    }
  }
  if (node["strength"]) {
    try {
      spec->strength = node["strength"].as<double>();
    } catch (const YAML::Exception&) {
      return Status::InvalidArgument(YamlWhere(file, node["strength"]) + ": 'strength' must be a number");
    }
    if (!(spec->strength > 0.0 && spec->strength <= 1.0))
      return Status::InvalidArgument(YamlWhere(file, node["strength"]) + ": 'strength' must be in (0, 1]");
  }
  std::vector<SourcePattern> keywords;
  GR_RETURN_IF_ERROR(Take(Patterns(file, node["patterns"], "patterns", false, expander), &spec->patterns));
  GR_RETURN_IF_ERROR(Take(Patterns(file, node["keywords"], "keywords", true, expander), &keywords));
  spec->patterns.insert(spec->patterns.end(), keywords.begin(), keywords.end());
  if (spec->patterns.empty())
    return Status::InvalidArgument(YamlWhere(file, node) + ": intent '" + spec->name + "' has no patterns or keywords");
  GR_RETURN_IF_ERROR(Take(Patterns(file, node["exclude"], "exclude", false, expander), &spec->exclude));
  GR_RETURN_IF_ERROR(Take(Patterns(file, node["urgent"], "urgent", false, expander), &spec->urgent));
  GR_RETURN_IF_ERROR(Take(Examples(file, node["examples"], "examples"), &spec->examples));
  GR_RETURN_IF_ERROR(Take(Examples(file, node["counter_examples"], "counter_examples"), &spec->counter_examples));
  return Status::Ok();
}

}  // namespace

StatusOr<IntentLibrary> LoadIntentLibrary(const fs::path& intents_dir) {
  std::error_code ec;
  if (!fs::is_directory(intents_dir, ec))
    return Status::NotFound("intent directory " + intents_dir.string() + " does not exist");
  std::vector<fs::path> paths;
  for (const auto& entry : fs::directory_iterator(intents_dir, ec))
    if (entry.is_regular_file() && entry.path().extension() == ".yaml") paths.push_back(entry.path());
  if (ec) return Status::Unavailable("cannot list " + intents_dir.string() + ": " + ec.message());
  std::sort(paths.begin(), paths.end());
  if (paths.empty()) return Status::NotFound("no *.yaml intent file in " + intents_dir.string());

  IntentLibrary lib;
  std::vector<std::pair<std::string, YAML::Node>> docs;
  std::map<std::string, RawFragment> raw;
  for (const auto& p : paths) {
    std::string file = p.filename().string();
    lib.files.push_back(file);
    try {
      YAML::Node doc = YAML::LoadFile(p.string());
      if (!doc.IsMap()) return Status::InvalidArgument(file + ":1: an intent file must be a mapping");
      if (const YAML::Node f = doc["fragments"]) {
        if (!f.IsMap()) return Status::InvalidArgument(YamlWhere(file, f) + ": 'fragments' must be a mapping");
        for (const auto& kv : f) {
          std::string name = kv.first.as<std::string>();
          if (!kv.second.IsScalar())
            return Status::InvalidArgument(YamlWhere(file, kv.second) + ": fragment '" + name + "' must be a string");
          if (auto it = raw.find(name); it != raw.end())
            return Status::InvalidArgument(YamlWhere(file, kv.first) + ": fragment '" + name + "' is already defined at " +
                                           it->second.file + ":" + std::to_string(it->second.line));
          raw[name] = {kv.second.as<std::string>(), file, LineOf(kv.first)};
        }
      }
      docs.emplace_back(file, doc);
    } catch (const YAML::Exception& e) {
      return Status::InvalidArgument(file + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg);
    }
  }

  Expander expander(raw);
  std::set<std::string> seen_intents;
  std::set<std::string> seen_categories;
  for (const auto& [file, doc] : docs) {
    try {
      if (!doc["category"]) {
        GR_RETURN_IF_ERROR(CheckYamlKeys(file, doc,
                                         {"fragments", "urgent_detector", "exclude", "examples", "not_urgent_examples",
                                          "decision", "warn_exclude"},
                                         "a file without a category (fragments, urgent_detector or decision)"));
        if (doc["exclude"] && !doc["urgent_detector"])
          return Status::InvalidArgument(YamlWhere(file, doc["exclude"]) + ": 'exclude' without a category needs 'urgent_detector'");
        if (const YAML::Node ud = doc["urgent_detector"]) {
          if (!ud.IsSequence()) return Status::InvalidArgument(YamlWhere(file, ud) + ": 'urgent_detector' must be a list");
          for (const auto& node : ud) {
            GR_RETURN_IF_ERROR(CheckYamlKeys(file, node, {"name", "intent", "patterns", "requires", "exclude"}, "an urgent class"));
            UrgentClass uc;
            uc.file = file;
            uc.line = LineOf(node);
            if (!node["name"] || !node["intent"])
              return Status::InvalidArgument(YamlWhere(file, node) + ": an urgent class needs 'name' and 'intent'");
            uc.name = node["name"].as<std::string>();
            uc.intent = node["intent"].as<std::string>();
            if (!IsTaxonomyIntent(uc.intent) || uc.intent == "none")
              return Status::InvalidArgument(YamlWhere(file, node["intent"]) + ": '" + uc.intent +
                                             "' is not a non-none intent of the taxonomy");
            GR_RETURN_IF_ERROR(Take(Patterns(file, node["patterns"], "patterns", false, &expander), &uc.patterns));
            if (uc.patterns.empty())
              return Status::InvalidArgument(YamlWhere(file, node) + ": urgent class '" + uc.name + "' has no patterns");
            GR_RETURN_IF_ERROR(Take(Patterns(file, node["requires"], "requires", false, &expander), &uc.required));
            GR_RETURN_IF_ERROR(Take(Patterns(file, node["exclude"], "exclude", false, &expander), &uc.exclude));
            lib.urgent_classes.push_back(std::move(uc));
          }
          std::vector<SourcePattern> ex;
          GR_RETURN_IF_ERROR(Take(Patterns(file, doc["exclude"], "exclude", false, &expander), &ex));
          lib.urgent_exclude.insert(lib.urgent_exclude.end(), ex.begin(), ex.end());
          std::vector<SourceExample> e1, e2;
          GR_RETURN_IF_ERROR(Take(Examples(file, doc["examples"], "examples"), &e1));
          GR_RETURN_IF_ERROR(Take(Examples(file, doc["not_urgent_examples"], "not_urgent_examples"), &e2));
          lib.urgent_examples.insert(lib.urgent_examples.end(), e1.begin(), e1.end());
          lib.not_urgent_examples.insert(lib.not_urgent_examples.end(), e2.begin(), e2.end());
        } else if (doc["examples"] || doc["not_urgent_examples"]) {
          return Status::InvalidArgument(file + ":1: 'examples' without a category needs 'urgent_detector'");
        }
        if (const YAML::Node d = doc["decision"]) {
          if (lib.decision.set) return Status::InvalidArgument(YamlWhere(file, d) + ": 'decision' is defined by another file too");
          GR_RETURN_IF_ERROR(CheckYamlKeys(file, d, {"act", "confirm", "model_act", "model_confirm", "warn"}, "decision"));
          DecisionThresholds& t = lib.decision;
          for (auto [key, slot] : {std::pair<const char*, double*>{"act", &t.act}, {"confirm", &t.confirm},
                                   {"model_act", &t.model_act}, {"model_confirm", &t.model_confirm}, {"warn", &t.warn}}) {
            if (!d[key]) continue;
            try {
              *slot = d[key].as<double>();
            } catch (const YAML::Exception&) {
              return Status::InvalidArgument(YamlWhere(file, d[key]) + ": '" + key + "' must be a number");
            }
            if (!(*slot >= 0.0 && *slot <= 1.0))
              return Status::InvalidArgument(YamlWhere(file, d[key]) + ": '" + key + "' must be in [0, 1]");
          }
          if (t.confirm > t.act || t.model_confirm > t.model_act)
            return Status::InvalidArgument(YamlWhere(file, d) + ": 'confirm' must not exceed 'act' (nor model_confirm model_act)");
          t.set = true;
        }
        std::vector<SourcePattern> we;
        GR_RETURN_IF_ERROR(Take(Patterns(file, doc["warn_exclude"], "warn_exclude", false, &expander), &we));
        lib.warn_exclude.insert(lib.warn_exclude.end(), we.begin(), we.end());
        continue;
      }
      std::string category = doc["category"].as<std::string>();
      if (CategoryRank(category) < 0)
        return Status::InvalidArgument(YamlWhere(file, doc["category"]) + ": unknown category '" + category +
                                       "' (anti_fraud, legal_aid, appeal or none)");
      if (!seen_categories.insert(category).second)
        return Status::InvalidArgument(YamlWhere(file, doc["category"]) + ": category '" + category +
                                       "' is defined by another file too");
      if (category == "none") {
        GR_RETURN_IF_ERROR(CheckYamlKeys(file, doc, {"category", "fragments", "veto", "examples"}, "none.yaml"));
        std::vector<SourcePattern> veto;
        GR_RETURN_IF_ERROR(Take(Patterns(file, doc["veto"], "veto", false, &expander), &veto));
        lib.vetoes.insert(lib.vetoes.end(), veto.begin(), veto.end());
        GR_RETURN_IF_ERROR(Take(Examples(file, doc["examples"], "examples"), &lib.none_examples));
        continue;
      }
      GR_RETURN_IF_ERROR(
          CheckYamlKeys(file, doc, {"category", "fragments", "exclude", "urgent", "intents", "frames"}, "a category file"));
      CategorySpec cat;
      cat.category = category;
      cat.file = file;
      GR_RETURN_IF_ERROR(Take(Patterns(file, doc["exclude"], "exclude", false, &expander), &cat.exclude));
      GR_RETURN_IF_ERROR(Take(Patterns(file, doc["urgent"], "urgent", false, &expander), &cat.urgent));
      lib.categories.push_back(std::move(cat));
      const YAML::Node intents = doc["intents"];
      if (!intents || !intents.IsSequence())
        return Status::InvalidArgument(file + ":1: a category file needs an 'intents' list");
      for (const auto& node : intents) {
        IntentSpec spec;
        GR_RETURN_IF_ERROR(ParseIntent(file, category, node, &expander, &spec));
        if (!seen_intents.insert(spec.name).second)
          return Status::InvalidArgument(YamlWhere(file, node) + ": intent '" + spec.name + "' is defined twice");
        lib.intents.push_back(std::move(spec));
      }
      if (const YAML::Node frames = doc["frames"]) {
        if (!frames.IsSequence()) return Status::InvalidArgument(YamlWhere(file, frames) + ": 'frames' must be a list");
        for (const auto& node : frames) {
          IntentSpec spec;
          GR_RETURN_IF_ERROR(ParseIntent(file, category, node, &expander, &spec, /*frame=*/true));
          lib.intents.push_back(std::move(spec));
        }
      }
    } catch (const YAML::Exception& e) {
      return Status::InvalidArgument(file + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg);
    }
  }
  // Expand every fragment once so that an unused broken fragment is still reported.
  for (const auto& [name, frag] : raw) {
    auto body = expander.Fragment(name, frag.file + ":" + std::to_string(frag.line));
    if (!body.ok()) return body.status();
  }
  lib.fragments = expander.done();
  return lib;
}

}  // namespace gridrelay::intents

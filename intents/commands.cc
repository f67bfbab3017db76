// classify, check-config, eval and train. Eval never flatters the model: when the model was
// trained on eval lines, the model figures come from k-fold models trained without the fold.
#include "intents/commands.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <set>
#include <sstream>

#include "intents/taxonomy.h"

namespace gridrelay::intents {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

std::string Dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

std::string Quote(const std::string& s) { return Dump(json(RepairUtf8(s))); }

}  // namespace

// ---------------------------------------------------------------- classify

void ClassifyStream(const IntentEngine& engine, std::istream& in, std::ostream& out) {
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    size_t first = line.find_first_not_of(" \t");
    if (first == std::string::npos) {
      out << R"({"error":"empty line"})" << "\n";
      continue;
    }
    std::string text;
    json id;
    if (line[first] == '{') {
      try {
        json j = json::parse(line);
        if (!j.contains("text") || !j["text"].is_string()) {
          out << R"({"error":"no string field \"text\""})" << "\n";
          continue;
        }
        text = j["text"].get<std::string>();
        if (j.contains("id")) id = j["id"];
      } catch (const json::exception& e) {
        out << Dump(json{{"error", std::string("bad JSON: ") + e.what()}}) << "\n";
        continue;
      }
    } else {
      text = line;
    }
    json j;
    if (const auto* compiled = dynamic_cast<const CompiledEngine*>(&engine)) {
      CompiledEngine::Judged judged = compiled->Judge(text);
      j = judged.classification;
      j["decision"] = judged.decision.decision;
      j["warn"] = judged.decision.warn;
      j["decision_reason"] = judged.decision.reason;
    } else {
      Classification c = engine.Classify(text);
      j = c;
      j["decision"] = c.urgent ? "act" : c.category == "none" ? "ignore" : "act";
      j["warn"] = false;
    }
    if (!id.is_null()) j["id"] = id;
    int invalid = 0;
    RepairUtf8(text, &invalid);
    if (invalid > 0) j["warning"] = std::to_string(invalid) + " invalid UTF-8 byte(s) replaced by U+FFFD";
    out << Dump(j) << "\n";
  }
  out.flush();
}

Status RunClassify(const fs::path& config_dir, std::istream& in, std::ostream& out) {
  auto engine = CompiledEngine::Build(config_dir);
  if (!engine.ok()) return engine.status();
  ClassifyStream(**engine, in, out);
  return Status::Ok();
}

// ---------------------------------------------------------------- check-config

StatusOr<IntentCheckReport> CheckEngine(const CompiledEngine& engine, bool require_full_taxonomy) {
  IntentCheckReport report;
  const IntentLibrary& lib = engine.library();
  std::vector<std::string> failures;
  auto where = [](const SourceExample& e) { return e.file + ":" + std::to_string(e.line); };
  auto fired = [](const Classification& c) {
    std::string s;
    for (const auto& m : c.matches) s += (s.empty() ? "" : ", ") + m.pattern_id;
    return s.empty() ? std::string("no rule fired") : "rules " + s;
  };
  auto check_one = [&](const SourceExample& e, const std::string& want, bool must_be) {
    ++report.examples_checked;
    auto ex = engine.Explain(e.text, nullptr);
    const Classification& c = ex.result;
    bool is = c.intent == want;
    if (is != must_be) {
      failures.push_back(where(e) + ": " + (must_be ? "example" : "counter-example") + " " + Quote(e.text) + " of " +
                         want + " classified as " + c.intent + " (" + fired(c) + ")" +
                         (ex.reason.empty() ? "" : "; " + ex.reason));
    } else if (ex.candidates.size() > 1) {
      report.warnings.push_back(where(e) + ": conflict: " + Quote(e.text) + " is matched by " + [&] {
        std::string s;
        for (size_t k = 0; k < ex.candidates.size(); ++k)
          s += (k ? ", " : "") + ex.candidates[k] + " (" + ex.candidate_rules[k] + ")";
        return s;
      }() + "; " + (c.intent == ex.candidates[0] ? ex.candidates[0] + " wins by " + ex.reason : c.intent + ": " + ex.reason));
    }
  };
  for (const auto& spec : lib.intents) {
    ++report.intents;
    report.patterns += static_cast<int>(spec.patterns.size());
    if (spec.examples.empty()) report.warnings.push_back(spec.file + ":" + std::to_string(spec.line) + ": " + spec.name + " has no examples");
    if (spec.frame) {
      // A frame decides the category; a specific intent of that category may take the subtype.
      for (const auto* list : {&spec.examples, &spec.counter_examples}) {
        bool must_be = list == &spec.examples;
        for (const auto& e : *list) {
          ++report.examples_checked;
          auto ex = engine.Explain(e.text, nullptr);
          if ((ex.result.category == spec.category) != must_be)
            failures.push_back(where(e) + ": frame " + (must_be ? "example " : "counter-example ") + Quote(e.text) + " of " +
                               spec.category + " classified as " + ex.result.intent + " (" + fired(ex.result) + ")" +
                               (ex.reason.empty() ? "" : "; " + ex.reason));
        }
      }
      continue;
    }
    for (const auto& e : spec.examples) check_one(e, spec.name, true);
    for (const auto& e : spec.counter_examples) check_one(e, spec.name, false);
  }
  for (const auto& e : lib.none_examples) check_one(e, "none", true);
  for (const auto* list : {&lib.urgent_examples, &lib.not_urgent_examples}) {
    bool want = list == &lib.urgent_examples;
    for (const auto& e : *list) {
      ++report.examples_checked;
      Classification c = engine.ClassifyWith(e.text, nullptr);
      if (c.urgent != want)
        failures.push_back(where(e) + ": " + (want ? "urgent example " : "not-urgent example ") + Quote(e.text) +
                           (want ? " is not urgent" : " is urgent") + " (" + fired(c) + ")");
    }
  }
  for (const auto& id : engine.UnfilteredPatternIds())
    report.warnings.push_back(id + ": pattern has no literal of 3+ bytes, so it runs on every message");
  if (require_full_taxonomy) {
    std::set<std::string> defined;
    for (const auto& spec : lib.intents) defined.insert(spec.name);
    for (auto name : kTaxonomyIntents)
      if (!defined.count(std::string(name)))
        failures.push_back("intent " + std::string(name) + " of the taxonomy is not defined in any intent file");
  }
  if (!failures.empty()) {
    std::string msg = std::to_string(failures.size()) + " check(s) failed:";
    for (const auto& f : failures) msg += "\n  " + f;
    return Status::InvalidArgument(msg);
  }
  return report;
}

Status RunCheck(const fs::path& config_dir, std::ostream& out) {
  auto engine = CompiledEngine::Build(config_dir);
  if (!engine.ok()) return engine.status();
  auto report = CheckEngine(**engine, true);
  if (!report.ok()) return report.status();
  for (const auto& w : report->warnings) out << "warning: " << w << "\n";
  const auto& st = (*engine)->patterns().stats();
  out << "ok: " << report->intents << " intents, " << report->patterns << " patterns/keywords, "
      << report->examples_checked << " examples checked, " << report->warnings.size() << " warning(s); "
      << "compiled in " << (*engine)->compile_time().count() / 1000.0 << " ms (" << st.literal << " literal, "
      << st.cooccurrence << " co-occurrence over " << st.words << " words, " << st.gap_free << " gap-free in a set, "
      << st.gapped << " prefiltered regexes with " << st.atoms << " atoms, " << st.unfiltered << " unfiltered)";
  if ((*engine)->model()) out << "; model: " << (*engine)->model()->training_lines() << " training lines";
  out << "\n";
  return Status::Ok();
}

// ---------------------------------------------------------------- eval

StatusOr<std::vector<LabelledLine>> ReadLabelled(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound("cannot open " + path.string());
  std::vector<LabelledLine> out;
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    std::string where = path.filename().string() + ":" + std::to_string(n);
    try {
      json j = json::parse(line);
      LabelledLine l;
      l.id = j.contains("id") && j["id"].is_string() ? j["id"].get<std::string>() : where;
      l.text = j.at("text").get<std::string>();
      if (j.contains("intent")) {
        l.intent = j.at("intent").get<std::string>();
        l.category = j.value("category", CategoryOf(l.intent));
      } else {
        // Category-only rows (shared/corpus/train-real): `none` stays none; another category
        // counts as its `other` intent, which is all such a row can say.
        l.category = j.at("category").get<std::string>();
        l.intent = l.category == "none" ? "none" : l.category + ".other";
      }
      l.urgent = j.value("urgent", false);
      l.source = where;
      if (l.intent != "none" && !IsTaxonomyIntent(l.intent))
        return Status::InvalidArgument(where + ": unknown intent '" + l.intent + "'");
      out.push_back(std::move(l));
    } catch (const json::exception& e) {
      return Status::InvalidArgument(where + ": " + e.what());
    }
  }
  return out;
}

namespace {

void Finish(PrfScore* s) {
  s->precision = s->predicted ? static_cast<double>(s->correct) / s->predicted : 0.0;
  s->recall = s->support ? static_cast<double>(s->correct) / s->support : 0.0;
  s->f1 = s->precision + s->recall > 0 ? 2 * s->precision * s->recall / (s->precision + s->recall) : 0.0;
}

EvalFigures Score(const std::vector<LabelledLine>& lines, const std::vector<Classification>& preds,
                  const std::vector<Decision>* decisions = nullptr) {
  EvalFigures f;
  if (decisions) {
    int warn_ok = 0;
    for (size_t i = 0; i < lines.size(); ++i) {
      f.decisions[(*decisions)[i].decision]++;
      if ((*decisions)[i].warn) {
        ++f.warnings;
        warn_ok += CategoryOf(lines[i].intent) == "anti_fraud";
      }
    }
    f.confirm_share = lines.empty() ? 0.0 : static_cast<double>(f.decisions["confirm"]) / lines.size();
    f.warn_precision = f.warnings ? static_cast<double>(warn_ok) / f.warnings : 0.0;
  }
  f.lines = static_cast<int>(lines.size());
  int intent_ok = 0, cat_ok = 0, gold_none = 0, false_alarm = 0, gold_urgent = 0, urgent_hit = 0, pred_urgent = 0;
  static const double kEdges[] = {0.0, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0000001};
  for (size_t b = 0; b + 1 < std::size(kEdges); ++b) f.reliability.push_back({kEdges[b], std::min(1.0, kEdges[b + 1]), 0, 0, 0});
  for (size_t i = 0; i < lines.size(); ++i) {
    const auto& g = lines[i];
    const auto& p = preds[i];
    std::string gcat = CategoryOf(g.intent);
    bool iok = p.intent == g.intent;
    intent_ok += iok;
    cat_ok += p.category == gcat;
    f.per_category[gcat].support++;
    f.per_category[p.category].predicted++;
    if (p.category == gcat) f.per_category[gcat].correct++;
    f.per_intent[g.intent].support++;
    f.per_intent[p.intent].predicted++;
    if (iok) f.per_intent[g.intent].correct++;
    f.confusion[gcat][p.category]++;
    f.decided_by[p.by]++;
    if (gcat == "none") {
      ++gold_none;
      false_alarm += p.category != "none";
    }
    if (g.urgent) {
      ++gold_urgent;
      urgent_hit += p.urgent;
    }
    pred_urgent += p.urgent;
    for (auto& bin : f.reliability) {
      if (p.confidence >= bin.lo && (p.confidence < bin.hi || (bin.hi >= 1.0 && p.confidence <= 1.0))) {
        bin.count++;
        bin.correct += iok;
        bin.mean_confidence += p.confidence;
        break;
      }
    }
    if (!iok || g.urgent != p.urgent)
      f.errors.push_back({g.id, g.text, g.intent, p.intent, p.by, p.confidence, g.urgent, p.urgent});
  }
  for (auto& bin : f.reliability)
    if (bin.count) bin.mean_confidence /= bin.count;
  double n = std::max<size_t>(1, lines.size());
  f.intent_accuracy = intent_ok / n;
  f.category_accuracy = cat_ok / n;
  double sum = 0;
  for (auto& [k, s] : f.per_category) {
    Finish(&s);
    sum += s.f1;
  }
  f.category_macro_f1 = f.per_category.empty() ? 0 : sum / f.per_category.size();
  sum = 0;
  for (auto& [k, s] : f.per_intent) {
    Finish(&s);
    sum += s.f1;
  }
  f.intent_macro_f1 = f.per_intent.empty() ? 0 : sum / f.per_intent.size();
  auto af = f.per_category.find("anti_fraud");
  f.anti_fraud_recall = af != f.per_category.end() && af->second.support ? af->second.recall : 0.0;
  f.false_alarm_rate = gold_none ? static_cast<double>(false_alarm) / gold_none : 0.0;
  f.urgent_recall = gold_urgent ? static_cast<double>(urgent_hit) / gold_urgent : 0.0;
  f.urgent_precision = pred_urgent ? static_cast<double>(urgent_hit) / pred_urgent : 0.0;
  return f;
}

std::vector<LabelledText> ExampleTrainingSet(const CompiledEngine& engine) {
  std::vector<LabelledText> out;
  for (const auto& spec : engine.library().intents)
    for (const auto& e : spec.examples) out.push_back({e.text, "", spec.name});
  for (const auto& e : engine.library().none_examples) out.push_back({e.text, "", "none"});
  return out;
}

// Trains a model whose threshold is fitted on the rows no rule decides.
std::shared_ptr<const NgramModel> TrainBehindRules(const CompiledEngine& engine, const std::vector<LabelledText>& data,
                                                   std::vector<std::string> files, const TrainOptions& options = {}) {
  std::vector<char> model_decides(data.size());
  for (size_t i = 0; i < data.size(); ++i) model_decides[i] = engine.ClassifyWith(data[i].text, nullptr).by == "default";
  return NgramModel::Train(data, options, std::move(files), &model_decides);
}

// Normalises and drops duplicate texts (first label wins).
void Prepare(const Normaliser& norm, std::vector<LabelledText>* data) {
  std::set<std::string> seen;
  std::vector<LabelledText> out;
  for (auto& d : *data) {
    if (!seen.insert(d.text).second) continue;
    d.normalised = norm.Normalise(d.text).text;
    out.push_back(std::move(d));
  }
  *data = std::move(out);
}

std::string Pct(double v) {
  std::ostringstream s;
  s << std::fixed << std::setprecision(1) << 100 * v << "%";
  return s.str();
}
std::string F3(double v) {
  std::ostringstream s;
  s << std::fixed << std::setprecision(3) << v;
  return s.str();
}

json FiguresToJson(const EvalFigures& f, bool include_errors) {
  json j = {{"lines", f.lines},
            {"intent_accuracy", f.intent_accuracy},
            {"category_accuracy", f.category_accuracy},
            {"category_macro_f1", f.category_macro_f1},
            {"intent_macro_f1", f.intent_macro_f1},
            {"anti_fraud_recall", f.anti_fraud_recall},
            {"false_alarm_rate", f.false_alarm_rate},
            {"urgent_recall", f.urgent_recall},
            {"urgent_precision", f.urgent_precision},
            {"decided_by", f.decided_by},
            {"decisions", f.decisions},
            {"confirm_share", f.confirm_share},
            {"warnings", f.warnings},
            {"warn_precision", f.warn_precision},
            {"confusion", f.confusion}};
  auto prf = [](const std::map<std::string, PrfScore>& m) {
    json o = json::object();
    for (const auto& [k, s] : m)
      o[k] = {{"precision", s.precision}, {"recall", s.recall}, {"f1", s.f1}, {"support", s.support}};
    return o;
  };
  j["per_category"] = prf(f.per_category);
  j["per_intent"] = prf(f.per_intent);
  j["reliability"] = json::array();
  for (const auto& b : f.reliability)
    j["reliability"].push_back({{"lo", b.lo}, {"hi", b.hi}, {"count", b.count}, {"correct", b.correct},
                                {"mean_confidence", b.mean_confidence}});
  if (include_errors) {
    j["errors"] = json::array();
    for (const auto& e : f.errors)
      j["errors"].push_back({{"id", e.id}, {"text", e.text}, {"gold", e.gold_intent}, {"predicted", e.predicted_intent},
                             {"by", e.by}, {"confidence", e.confidence}, {"gold_urgent", e.gold_urgent},
                             {"predicted_urgent", e.predicted_urgent}});
  }
  return j;
}

void PrintFigures(const EvalFigures& f, bool show_errors, std::ostream& out) {
  out << "  lines " << f.lines << "   intent accuracy " << Pct(f.intent_accuracy) << "   category accuracy "
      << Pct(f.category_accuracy) << "\n";
  out << "  category macro-F1 " << F3(f.category_macro_f1) << "   intent macro-F1 " << F3(f.intent_macro_f1) << "\n";
  out << "  anti_fraud recall " << Pct(f.anti_fraud_recall) << "   false alarms " << Pct(f.false_alarm_rate)
      << "   urgent recall " << Pct(f.urgent_recall) << " (precision " << Pct(f.urgent_precision) << ")\n";
  out << "  decided by:";
  for (const auto& [k, v] : f.decided_by) out << " " << k << "=" << v;
  out << "\n  decisions:";
  for (const auto& [k, v] : f.decisions) out << " " << k << "=" << v;
  out << "   confirm share " << Pct(f.confirm_share) << "   warnings " << f.warnings << " (precision "
      << Pct(f.warn_precision) << ")";
  out << "\n\n  per category          P      R      F1   n\n";
  for (const auto& [k, s] : f.per_category)
    out << "  " << std::left << std::setw(18) << k << std::right << std::setw(7) << F3(s.precision) << std::setw(7)
        << F3(s.recall) << std::setw(7) << F3(s.f1) << std::setw(5) << s.support << "\n";
  out << "\n  per intent                              P      R      F1   n\n";
  for (const auto& [k, s] : f.per_intent)
    out << "  " << std::left << std::setw(36) << k << std::right << std::setw(7) << F3(s.precision) << std::setw(7)
        << F3(s.recall) << std::setw(7) << F3(s.f1) << std::setw(5) << s.support << "\n";
  out << "\n  confusion (rows gold, columns predicted)\n  " << std::setw(12) << "";
  for (auto c : kCategories) out << std::setw(12) << c;
  out << "\n";
  for (auto g : kCategories) {
    out << "  " << std::left << std::setw(12) << g << std::right;
    auto row = f.confusion.find(std::string(g));
    for (auto c : kCategories) {
      int v = 0;
      if (row != f.confusion.end()) {
        auto it = row->second.find(std::string(c));
        if (it != row->second.end()) v = it->second;
      }
      out << std::setw(12) << v;
    }
    out << "\n";
  }
  out << "\n  reliability (is the confidence honest?)\n  confidence      n   accuracy  mean conf\n";
  for (const auto& b : f.reliability) {
    if (!b.count) continue;
    out << "  [" << F3(b.lo).substr(0, 3) << ", " << F3(b.hi).substr(0, 3) << ")" << std::setw(7) << b.count
        << std::setw(11) << Pct(static_cast<double>(b.correct) / b.count) << std::setw(11) << F3(b.mean_confidence)
        << "\n";
  }
  if (show_errors && !f.errors.empty()) {
    out << "\n  misclassified (" << f.errors.size() << ")\n";
    for (const auto& e : f.errors)
      out << "  " << e.id << "  gold " << e.gold_intent << (e.gold_urgent ? " [urgent]" : "") << "  got "
          << e.predicted_intent << (e.predicted_urgent ? " [urgent]" : "") << " (" << e.by << ", " << F3(e.confidence)
          << ")  " << RepairUtf8(e.text) << "\n";
  }
}

}  // namespace

StatusOr<EvalReport> Evaluate(const fs::path& config_dir, const std::vector<fs::path>& data,
                              const EvalOptions& options) {
  EngineOptions eo;
  eo.use_model = options.use_model;
  eo.extract_entities = false;
  auto built = CompiledEngine::Build(config_dir, eo);
  if (!built.ok()) return built.status();
  const CompiledEngine& engine = **built;
  EvalReport report;
  std::vector<LabelledLine> lines;
  for (const auto& p : data) {
    auto read = ReadLabelled(p);
    if (!read.ok()) return read.status();
    report.files.push_back(p.string());
    lines.insert(lines.end(), read->begin(), read->end());
  }
  report.lines = static_cast<int>(lines.size());
  std::vector<Classification> rules(lines.size());
  std::vector<Decision> rule_decisions(lines.size());
  auto judge = [&](size_t i, const NgramModel* m, std::vector<Classification>* cs, std::vector<Decision>* ds) {
    CompiledEngine::Judged j = engine.JudgeWith(lines[i].text, m);
    (*cs)[i] = std::move(j.classification);
    (*ds)[i] = std::move(j.decision);
  };
  for (size_t i = 0; i < lines.size(); ++i) judge(i, nullptr, &rules, &rule_decisions);
  report.rules_only = Score(lines, rules, &rule_decisions);

  const NgramModel* model = engine.model();
  report.model_present = model != nullptr;
  if (!model) return report;
  for (const auto& l : lines) report.overlap_lines += model->WasTrainedOn(l.text);
  std::vector<Classification> with(lines.size());
  std::vector<Decision> with_decisions(lines.size());
  if (report.overlap_lines == 0) {
    for (size_t i = 0; i < lines.size(); ++i) judge(i, model, &with, &with_decisions);
  } else {
    // The shipped model has seen some of these lines: train k models, each on the shipped
    // model's training data (its recorded files, when they can still be read, plus the
    // intents' examples) minus one fold of the eval lines, and score each fold with the
    // model that never saw it. When the files are gone, the eval lines stand in for them.
    report.cross_validated = true;
    report.folds = std::max(2, options.folds);
    std::vector<LabelledText> base = ExampleTrainingSet(engine);
    for (const auto& f : model->training_files()) {
      fs::path path = fs::path(f).is_absolute() ? fs::path(f) : config_dir / f;
      auto read = ReadLabelled(path);
      if (!read.ok()) {
        report.missing_training_files.push_back(f);
        continue;
      }
      report.training_files_reused.push_back(f);
      for (auto& l : *read) base.push_back({l.text, "", l.intent});
    }
    if (report.training_files_reused.empty())
      for (const auto& l : lines) base.push_back({l.text, "", l.intent});
    for (int fold = 0; fold < report.folds; ++fold) {
      std::vector<LabelledText> train;
      std::set<std::string> held;
      for (size_t i = fold; i < lines.size(); i += report.folds) held.insert(lines[i].text);
      for (const auto& e : base)
        if (!held.count(e.text)) train.push_back(e);
      Prepare(engine.normaliser(), &train);
      TrainOptions same_kind;
      same_kind.kind = model->kind();
      auto fold_model = TrainBehindRules(engine, train, {}, same_kind);
      for (size_t i = fold; i < lines.size(); i += report.folds) judge(i, fold_model.get(), &with, &with_decisions);
    }
  }
  report.with_model = Score(lines, with, &with_decisions);
  return report;
}

json EvalReportToJson(const EvalReport& report, bool include_errors) {
  json j = {{"files", report.files},
            {"lines", report.lines},
            {"model_present", report.model_present},
            {"overlap_lines", report.overlap_lines},
            {"cross_validated", report.cross_validated},
            {"folds", report.folds},
            {"training_files_reused", report.training_files_reused},
            {"missing_training_files", report.missing_training_files},
            {"rules_only", FiguresToJson(report.rules_only, include_errors)}};
  if (report.with_model) j["with_model"] = FiguresToJson(*report.with_model, include_errors);
  return j;
}

void PrintEvalReport(const EvalReport& report, bool show_errors, std::ostream& out) {
  out << "eval on";
  for (const auto& f : report.files) out << " " << f;
  out << " (" << report.lines << " lines)\n";
  if (report.model_present && report.overlap_lines > 0) {
    out << "note: " << report.overlap_lines << " of " << report.lines
        << " eval lines were in the model's training data; the model figures below come from " << report.folds
        << "-fold cross-validation: each fold is scored by a model trained without it, on ";
    if (report.training_files_reused.empty()) {
      out << "the other folds plus the intents' examples";
    } else {
      out << "the model's training files";
      for (const auto& f : report.training_files_reused) out << " " << f;
      out << " plus the intents' examples";
    }
    out << "\n";
    for (const auto& f : report.missing_training_files)
      out << "note: training file " << f << " is no longer readable and was left out of the folds\n";
  }
  if (report.with_model) {
    out << "\n== rules + model" << (report.cross_validated ? " (k-fold)" : "") << " ==\n";
    PrintFigures(*report.with_model, show_errors, out);
  }
  out << "\n== rules only ==\n";
  PrintFigures(report.rules_only, show_errors && !report.with_model, out);
}

Status RunEval(const fs::path& config_dir, const std::vector<fs::path>& data, bool show_errors, std::ostream& out,
               bool json_output) {
  auto report = Evaluate(config_dir, data);
  if (!report.ok()) return report.status();
  if (json_output) {
    out << EvalReportToJson(*report, show_errors).dump(2, ' ', false, json::error_handler_t::replace) << "\n";
  } else {
    PrintEvalReport(*report, show_errors, out);
  }
  return Status::Ok();
}

// ---------------------------------------------------------------- train

Status RunTrain(const fs::path& config_dir, const std::vector<fs::path>& data, std::ostream& out,
                const TrainOptions& options) {
  if (options.kind != "logreg" && options.kind != "naive_bayes")
    return Status::InvalidArgument("unknown model kind " + options.kind + " (logreg or naive_bayes)");
  EngineOptions eo;
  eo.use_model = false;
  auto built = CompiledEngine::Build(config_dir, eo);
  if (!built.ok()) return built.status();
  const CompiledEngine& engine = **built;
  std::vector<LabelledText> train;
  std::vector<std::string> files;
  for (const auto& p : data) {
    auto read = ReadLabelled(p);
    if (!read.ok()) return read.status();
    // Recorded relative to the config directory, so the file stays valid in any checkout.
    std::error_code ec;
    fs::path rel = fs::absolute(p, ec).lexically_normal().lexically_relative(fs::absolute(config_dir, ec).lexically_normal());
    files.push_back(rel.empty() ? p.string() : rel.string());
    for (auto& l : *read) train.push_back({l.text, "", l.intent});
  }
  auto examples = ExampleTrainingSet(engine);
  train.insert(train.end(), examples.begin(), examples.end());
  Prepare(engine.normaliser(), &train);
  if (train.size() < 10) return Status::InvalidArgument("too little training data: " + std::to_string(train.size()) + " lines");
  auto model = TrainBehindRules(engine, train, files, options);
  fs::path path = ModelPath(config_dir);
  GR_RETURN_IF_ERROR(model->SaveFile(path));
  out << "trained on " << train.size() << " distinct lines (" << examples.size() << " from the intents' examples), "
      << model->classes().size() << " classes; " << model->kind() << ", temperature " << F3(model->temperature()) << ", threshold "
      << F3(model->threshold()) << "\nwrote " << path.string() << "\n";
  return Status::Ok();
}

}  // namespace gridrelay::intents

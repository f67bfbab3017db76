// CompiledEngine: building the rule table, matching and resolution. Confidence for a rule
// decision is the noisy-OR of the winning intent's distinct pattern hits, each counting with
// the intent's strength, discounted by half the noisy-OR of the strongest competing intent:
//   p_win  = 1 - (1 - strength)^distinct_patterns
//   conf   = p_win * (1 - p_other_category / 2) * (1 - p_same_category / 4)
// where p_other_category / p_same_category are the strongest competing intents of another
// / the same category. One hit of a 0.8 intent alone gives 0.8, two give 0.96, and a
// contested decision is less sure, most of all when the category itself is contested. A veto uses strength 0.9 per veto pattern, discounted by the intent it overrode.
#include "intents/compiled_engine.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>

#include "intents/entities.h"
#include "intents/taxonomy.h"

namespace gridrelay::intents {

namespace fs = std::filesystem;

namespace {

constexpr double kVetoStrength = 0.9;

double NoisyOr(double strength, int n) { return 1.0 - std::pow(1.0 - strength, n); }

constexpr double kModelMinCjkShare = 0.5;
constexpr int kModelMinCjkChars = 4;

// CJK ideographs among the non-space characters of a normalised (valid UTF-8) text.
// The model was trained on Chinese; on English, code, probe strings or emoji (which the
// normaliser strips) its probabilities mean nothing, so it is not consulted there.
struct CjkCount {
  int cjk = 0;
  int total = 0;
};
CjkCount CountCjk(std::string_view s) {
  int cjk = 0, total = 0;
  for (size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    int len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : 4;
    if (c == ' ') {
      ++i;
      continue;
    }
    ++total;
    if (len == 3 && i + 2 < s.size()) {
      unsigned cp = ((c & 0x0Fu) << 12) | ((static_cast<unsigned char>(s[i + 1]) & 0x3Fu) << 6) |
                    (static_cast<unsigned char>(s[i + 2]) & 0x3Fu);
      if ((cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF)) ++cjk;
    }
    i += static_cast<size_t>(len);
  }
  return {cjk, total};
}
bool InModelDomain(std::string_view normalised) {
  CjkCount n = CountCjk(normalised);
  return n.cjk >= kModelMinCjkChars && n.cjk >= kModelMinCjkShare * n.total;
}


struct Candidate {
  int intent = -1;
  int rank = 0;
  int priority = 0;
  int span = 0;      // total bytes covered by the intent's hits (union) in the normalised text
  int distinct = 0;  // distinct patterns hit
  double p = 0.0;    // noisy-OR of the hits
  double model_p = 0.0;
  std::vector<PatternSet::Hit> hits;
};

int UnionLength(std::vector<PatternSet::Hit> hits) {
  std::sort(hits.begin(), hits.end(), [](const auto& a, const auto& b) { return a.begin < b.begin; });
  int total = 0, cur_b = -1, cur_e = -1;
  for (const auto& h : hits) {
    if (h.begin > cur_e) {
      total += cur_e - cur_b;
      cur_b = h.begin;
      cur_e = h.end;
    } else {
      cur_e = std::max(cur_e, h.end);
    }
  }
  return total + (cur_e - cur_b);
}

}  // namespace

fs::path ModelPath(const fs::path& config_dir) { return config_dir / "models" / "intent-model.json"; }

StatusOr<std::shared_ptr<const CompiledEngine>> CompiledEngine::Build(const fs::path& config_dir,
                                                                      const EngineOptions& options) {
  auto lib = LoadIntentLibrary(config_dir / "intents");
  if (!lib.ok()) return lib.status();
  std::shared_ptr<const NgramModel> model;
  if (options.use_model) {
    std::error_code ec;
    fs::path mp = ModelPath(config_dir);
    if (fs::exists(mp, ec)) {
      auto loaded = NgramModel::LoadFile(mp);
      if (!loaded.ok()) return loaded.status();
      model = *loaded;
    }
  }
  return FromLibrary(std::move(*lib), std::move(model), options);
}

StatusOr<std::shared_ptr<const CompiledEngine>> CompiledEngine::FromLibrary(IntentLibrary library,
                                                                           std::shared_ptr<const NgramModel> model,
                                                                           const EngineOptions& options) {
  auto start = std::chrono::steady_clock::now();
  auto normaliser = Normaliser::Create();
  if (!normaliser.ok()) return normaliser.status();
  std::shared_ptr<CompiledEngine> engine(new CompiledEngine(std::move(library), std::move(*normaliser)));
  engine->options_ = options;
  engine->model_ = std::move(model);
  const IntentLibrary& lib = engine->library_;

  std::vector<PatternSet::Spec> specs;
  auto add = [&](RuleKind kind, int owner, const SourcePattern& p) {
    engine->rules_.push_back({kind, owner, &p});
    specs.push_back({p.regex, p.keyword, p.Id() + (p.keyword ? " (" + p.file + ":" + std::to_string(p.line) + ")" : "")});
  };
  for (size_t c = 0; c < lib.categories.size(); ++c) {
    for (const auto& p : lib.categories[c].exclude) add(RuleKind::kCategoryExclude, static_cast<int>(c), p);
    for (const auto& p : lib.categories[c].urgent) add(RuleKind::kCategoryUrgent, static_cast<int>(c), p);
  }
  for (size_t i = 0; i < lib.intents.size(); ++i) {
    const IntentSpec& spec = lib.intents[i];
    int cat = -1;
    for (size_t c = 0; c < lib.categories.size(); ++c)
      if (lib.categories[c].category == spec.category) cat = static_cast<int>(c);
    engine->intent_category_.push_back(cat);
    for (const auto& p : spec.patterns) add(RuleKind::kIntent, static_cast<int>(i), p);
    for (const auto& p : spec.exclude) add(RuleKind::kIntentExclude, static_cast<int>(i), p);
    for (const auto& p : spec.urgent) add(RuleKind::kIntentUrgent, static_cast<int>(i), p);
  }
  for (const auto& p : lib.vetoes) add(RuleKind::kVeto, -1, p);
  for (size_t u = 0; u < lib.urgent_classes.size(); ++u) {
    const UrgentClass& uc = lib.urgent_classes[u];
    for (const auto& p : uc.patterns) add(RuleKind::kDetectorUrgent, static_cast<int>(u), p);
    for (const auto& p : uc.required) add(RuleKind::kDetectorRequire, static_cast<int>(u), p);
    for (const auto& p : uc.exclude) add(RuleKind::kDetectorExclude, static_cast<int>(u), p);
  }
  for (const auto& p : lib.urgent_exclude) add(RuleKind::kDetectorExclude, -1, p);
  for (const auto& p : lib.warn_exclude) add(RuleKind::kWarnExclude, -1, p);

  auto compiled = PatternSet::Compile(specs, options.patterns);
  if (!compiled.ok()) return compiled.status();
  engine->patterns_ = std::move(*compiled);
  engine->compile_time_ =
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - start);
  return std::shared_ptr<const CompiledEngine>(std::move(engine));
}

double CompiledEngine::model_threshold() const {
  if (options_.model_threshold >= 0) return options_.model_threshold;
  if (library_.decision.set) return library_.decision.model_confirm;
  return model_ ? model_->threshold() : 1.0;
}

std::vector<std::string> CompiledEngine::UnfilteredPatternIds() const {
  std::vector<std::string> out;
  for (int i = 0; i < patterns_->size(); ++i)
    if (patterns_->shape(i) == PatternSet::Shape::kUnfiltered) out.push_back(rules_[i].source->Id());
  return out;
}

Classification CompiledEngine::Classify(std::string_view text) const { return ClassifyWith(text, model_.get()); }

Classification CompiledEngine::ClassifyWith(std::string_view text, const NgramModel* model) const {
  return Explain(text, model).result;
}

CompiledEngine::Judged CompiledEngine::JudgeWith(std::string_view text, const NgramModel* model) const {
  Explanation ex = Explain(text, model);
  return {std::move(ex.result), std::move(ex.decision)};
}

CompiledEngine::Explanation CompiledEngine::Explain(std::string_view text, const NgramModel* model) const {
  Explanation ex;
  Classification& out = ex.result;
  NormalisedText norm = normaliser_.Normalise(text);
  thread_local std::vector<PatternSet::Hit> hits;
  hits.clear();
  patterns_->Match(norm.text, &hits);

  auto to_match = [&](const std::string& intent, const PatternSet::Hit& h) {
    IntentMatch m;
    m.intent = intent;
    m.pattern_id = rules_[h.pattern].source->Id();
    m.span = norm.ToOriginal(h.begin, h.end);
    m.text = std::string(text.substr(m.span.begin, m.span.end - m.span.begin));
    if (norm.invalid_bytes > 0) m.text = RepairUtf8(m.text);
    return m;
  };

  // urgent.yaml's `exclude` (drills, publicity, past incidents) applies to every urgent
  // pattern, the category files' too.
  const bool urgent_excluded = std::any_of(hits.begin(), hits.end(), [&](const auto& h) {
    return rules_[h.pattern].kind == RuleKind::kDetectorExclude && rules_[h.pattern].owner < 0;
  });

  // 1. Excludes.
  std::vector<char> intent_excluded(library_.intents.size(), 0);
  std::vector<char> category_excluded(library_.categories.size(), 0);
  std::vector<PatternSet::Hit> vetoes;
  for (const auto& h : hits) {
    const Rule& r = rules_[h.pattern];
    if (r.kind == RuleKind::kIntentExclude) intent_excluded[r.owner] = 1;
    if (r.kind == RuleKind::kCategoryExclude) category_excluded[r.owner] = 1;
    if (r.kind == RuleKind::kVeto) vetoes.push_back(h);
  }
  std::map<int, Candidate> by_intent;
  for (const auto& h : hits) {
    const Rule& r = rules_[h.pattern];
    if (r.kind != RuleKind::kIntent) continue;
    int cat = intent_category_[r.owner];
    if (intent_excluded[r.owner] || (cat >= 0 && category_excluded[cat])) continue;
    by_intent[r.owner].hits.push_back(h);
  }
  for (size_t i = 0; i < library_.intents.size(); ++i) {
    if (!intent_excluded[i] && !(intent_category_[i] >= 0 && category_excluded[intent_category_[i]])) continue;
    bool had_hit = std::any_of(hits.begin(), hits.end(), [&](const auto& h) {
      return rules_[h.pattern].kind == RuleKind::kIntent && rules_[h.pattern].owner == static_cast<int>(i);
    });
    if (had_hit)
      out.evidence.push_back(library_.intents[i].name + " excluded by " +
                             (intent_excluded[i] ? "its own exclude" : "the " + library_.intents[i].category + " exclude"));
  }

  std::vector<Candidate> cands;
  for (auto& [idx, c] : by_intent) {
    const IntentSpec& spec = library_.intents[idx];
    c.intent = idx;
    c.rank = CategoryRank(spec.category);
    c.priority = spec.priority;
    c.span = UnionLength(c.hits);
    c.distinct = static_cast<int>(c.hits.size());
    c.p = NoisyOr(spec.strength, c.distinct);
    cands.push_back(std::move(c));
  }

  // 3-5. Precedence, priority, specificity; 6. the model on an exact tie, then the name.
  ModelPrediction prediction;
  bool predicted = false;
  auto predict = [&]() -> const ModelPrediction& {
    if (!predicted && model) {
      prediction = model->Predict(norm.text, /*with_evidence=*/false);
      predicted = true;
    }
    return prediction;
  };
  auto key = [](const Candidate& c) { return std::make_tuple(c.rank, c.priority, c.span, c.distinct); };
  auto better = [&](const Candidate& a, const Candidate& b) {
    if (key(a) != key(b)) return key(a) > key(b);
    if (a.model_p != b.model_p) return a.model_p > b.model_p;
    return library_.intents[a.intent].name < library_.intents[b.intent].name;
  };
  if (cands.size() > 1) {
    std::sort(cands.begin(), cands.end(), [&](const auto& a, const auto& b) { return key(a) > key(b); });
    if (model && key(cands[0]) == key(cands[1])) {
      const ModelPrediction& p = predict();
      for (auto& c : cands) c.model_p = model->ProbabilityOf(p, library_.intents[c.intent].name);
    }
    std::sort(cands.begin(), cands.end(), better);
    const Candidate& a = cands[0];
    const Candidate& b = cands[1];
    const std::string& an = library_.intents[a.intent].name;
    const std::string& bn = library_.intents[b.intent].name;
    if (a.rank != b.rank) {
      ex.reason = "category precedence (" + library_.intents[a.intent].category + " > " +
                  library_.intents[b.intent].category + ")";
    } else if (a.priority != b.priority) {
      ex.reason = "priority " + std::to_string(a.priority) + " > " + std::to_string(b.priority);
    } else if (a.span != b.span) {
      ex.reason = "longer matched span (" + std::to_string(a.span) + " > " + std::to_string(b.span) + " bytes)";
    } else if (a.distinct != b.distinct) {
      ex.reason = "more patterns hit (" + std::to_string(a.distinct) + " > " + std::to_string(b.distinct) + ")";
    } else if (a.model_p != b.model_p) {
      ex.reason = "exact tie broken by the model (" + std::to_string(a.model_p) + " > " + std::to_string(b.model_p) + ")";
    } else {
      ex.reason = "exact tie broken by name";
    }
    out.evidence.push_back(an + " beats " + bn + ": " + ex.reason);
  }
  for (const auto& c : cands) {
    ex.candidates.push_back(library_.intents[c.intent].name);
    std::string ids;
    for (const auto& h : c.hits) ids += (ids.empty() ? "" : ", ") + rules_[h.pattern].source->Id();
    ex.candidate_rules.push_back(std::move(ids));
  }

  if (!cands.empty()) {
    const Candidate& win = cands[0];
    const IntentSpec& spec = library_.intents[win.intent];
    // A competitor of another category contradicts the routing; one of the same category
    // only disputes the subtype, so it costs half as much.
    double other_category = 0.0, same_category = 0.0;
    for (size_t k = 1; k < cands.size(); ++k) {
      if (library_.intents[cands[k].intent].name == spec.name) continue;  // a frame agreeing with a rule
      double& slot = cands[k].rank == win.rank ? same_category : other_category;
      slot = std::max(slot, cands[k].p);
    }
    out.category = spec.category;
    out.intent = spec.name;
    out.by = "rule";
    out.confidence = win.p * (1.0 - other_category / 2.0) * (1.0 - same_category / 4.0);
    std::vector<PatternSet::Hit> ordered = win.hits;
    std::sort(ordered.begin(), ordered.end(), [](const auto& a, const auto& b) { return a.begin < b.begin; });
    for (const auto& h : ordered) out.matches.push_back(to_match(spec.name, h));
    for (const auto& h : hits) {
      const Rule& r = rules_[h.pattern];
      if (!urgent_excluded && ((r.kind == RuleKind::kIntentUrgent && r.owner == win.intent) ||
                               (r.kind == RuleKind::kCategoryUrgent && r.owner == intent_category_[win.intent]))) {
        out.urgent = true;
        IntentMatch m = to_match(spec.name, h);
        m.pattern_id = "urgent:" + m.pattern_id;
        out.matches.push_back(std::move(m));
      }
    }
    // 2. A veto wins over everything but an urgent message.
    if (!vetoes.empty() && !out.urgent) {
      double p_veto = NoisyOr(kVetoStrength, static_cast<int>(vetoes.size()));
      out.evidence.push_back(spec.name + " vetoed by none.yaml (" + rules_[vetoes[0].pattern].source->Id() + ")");
      out.category = "none";
      out.intent = "none";
      out.confidence = p_veto * (1.0 - win.p / 2.0);
      out.matches.clear();
      for (const auto& h : vetoes) out.matches.push_back(to_match("none", h));
      ex.reason = "the none.yaml veto " + rules_[vetoes[0].pattern].source->Id() + " overrides " + spec.name;
    }
  } else if (!vetoes.empty()) {
    out.by = "rule";
    out.confidence = NoisyOr(kVetoStrength, static_cast<int>(vetoes.size()));
    for (const auto& h : vetoes) out.matches.push_back(to_match("none", h));
  } else if (model && !InModelDomain(norm.text)) {
    out.by = "default";
    out.confidence = 0.5;
    out.evidence.push_back("model not consulted: the text is too short or mostly not Chinese (out of domain)");
  } else if (model) {
    const ModelPrediction& p = predict();
    if (p.intent != "none" && p.probability >= model_threshold()) {
      out.intent = p.intent;
      out.category = CategoryOf(p.intent);
      out.by = "model";
      out.confidence = p.probability;
      out.evidence = model->Predict(norm.text, /*with_evidence=*/true).evidence;
    } else {
      // Not trusted: `none`, as sure as the model is that it is none of the other intents.
      out.by = "default";
      // As sure as the model is that it is none of the other categories.
      double mass[4] = {0, 0, 0, 0};
      for (size_t c = 0; c < model->classes().size() && c < p.distribution.size(); ++c) {
        const std::string cat = CategoryOf(model->classes()[c]);
        mass[cat == "anti_fraud" ? 0 : cat == "legal_aid" ? 1 : cat == "appeal" ? 2 : 3] += p.distribution[c];
      }
      double top_other = std::max({mass[0], mass[1], mass[2]});
      out.confidence = 1.0 - top_other;
      if (p.intent != "none")
        out.evidence.push_back("model said " + p.intent + " at " + std::to_string(p.probability) +
                               ", below its threshold " + std::to_string(model_threshold()));
    }
  } else {
    out.by = "default";
    out.confidence = 0.5;  // no rule and no model: no evidence either way
  }

  // The urgent detector: checked on every message, whatever won (urgent.yaml).
  {
    std::vector<char> fired(library_.urgent_classes.size(), 0), required(library_.urgent_classes.size(), 0),
        excluded(library_.urgent_classes.size(), 0);
    std::vector<const PatternSet::Hit*> first_hit(library_.urgent_classes.size(), nullptr);
    for (const auto& h : hits) {
      const Rule& r = rules_[h.pattern];
      if (r.kind == RuleKind::kDetectorUrgent) {
        fired[r.owner] = 1;
        if (!first_hit[r.owner]) first_hit[r.owner] = &h;
      } else if (r.kind == RuleKind::kDetectorRequire) {
        required[r.owner] = 1;
      } else if (r.kind == RuleKind::kDetectorExclude) {
        if (r.owner >= 0) excluded[r.owner] = 1;
      }
    }
    for (size_t u = 0; u < library_.urgent_classes.size() && !urgent_excluded; ++u) {
      const UrgentClass& uc = library_.urgent_classes[u];
      if (!fired[u] || excluded[u] || (!uc.required.empty() && !required[u])) continue;
      ex.urgent_classes.push_back(uc.name);
      bool was_none = out.category == "none";
      if (was_none) {
        // Nothing but the detector spoke (or a veto did, which an urgent message overrides).
        out.category = CategoryOf(uc.intent);
        out.intent = uc.intent;
        out.by = "rule";
        out.confidence = 0.8;  // one detector class, like one hit of a default-strength intent
        out.matches.clear();
      }
      if (!out.urgent || was_none) {
        IntentMatch m = to_match(out.intent, *first_hit[u]);
        m.pattern_id = "urgent:" + m.pattern_id;
        out.matches.push_back(std::move(m));
      }
      out.urgent = true;
      out.evidence.push_back("urgent detector: " + uc.name + (was_none ? " (routes to " + uc.intent + ")" : ""));
    }
  }

  // The decision (decision.yaml thresholds).
  {
    const DecisionThresholds& t = library_.decision;
    Decision& d = ex.decision;
    char buf[96];
    if (out.urgent) {
      d.decision = "act";
      d.reason = "urgent";
    } else if (out.category == "none") {
      d.decision = "ignore";
      d.reason = "category none";
    } else if (out.by == "model") {
      d.decision = out.confidence >= t.model_act ? "act" : "confirm";
      std::snprintf(buf, sizeof buf, "model probability %.3f %s model_act %.3f", out.confidence,
                    out.confidence >= t.model_act ? ">=" : "<", t.model_act);
      d.reason = buf;
    } else {
      d.decision = out.confidence >= t.act ? "act" : out.confidence >= t.confirm ? "confirm" : "ignore";
      std::snprintf(buf, sizeof buf, "rule confidence %.3f vs act %.3f, confirm %.3f", out.confidence, t.act, t.confirm);
      d.reason = buf;
    }
    if (out.category == "anti_fraud" && d.decision == "act" && out.by == "rule" && out.confidence >= t.warn) {
      bool publicity = std::any_of(hits.begin(), hits.end(),
                                   [&](const auto& h) { return rules_[h.pattern].kind == RuleKind::kWarnExclude; });
      d.warn = !publicity;
      if (publicity) d.reason += "; no warning: the text reads as publicity (warn_exclude)";
    }
    out.decision = d.decision;
    out.warn = d.warn;
  }

  if (options_.extract_entities) out.entities = ExtractEntities(norm, text);
  return ex;
}

}  // namespace gridrelay::intents

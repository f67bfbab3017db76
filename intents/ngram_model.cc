// NgramModel: training, calibration, prediction and the model file. Training uses the same
// code for the k-fold runs and for the final fit, so the temperature and the threshold are
// measured on the model that ships, minus one fold.
#include "intents/ngram_model.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>
#include <fstream>
#include <map>
#include <numeric>
#include <set>

#include <nlohmann/json.hpp>

#include "gateway/core/classification.h"
#include "intents/normaliser.h"
#include "util/crypto.h"

namespace gridrelay::intents {

namespace {

constexpr std::string_view kFormat = "gridrelay-intent-model";

std::vector<double> Softmax(const std::vector<double>& scores, double temperature) {
  std::vector<double> p(scores.size());
  if (scores.empty()) return p;
  double mx = *std::max_element(scores.begin(), scores.end());
  double sum = 0;
  for (size_t i = 0; i < scores.size(); ++i) sum += p[i] = std::exp((scores[i] - mx) / temperature);
  for (auto& v : p) v /= sum;
  return p;
}

std::string NowUtc() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace

void NgramFeatures(std::string_view normalised, uint32_t buckets, std::vector<uint32_t>* features,
                   std::vector<std::string>* grams) {
  // Character boundaries; digits are folded to '0', spaces break n-grams. The hash of an
  // n-gram is FNV-1a over its bytes, computed incrementally from the (n-1)-gram's.
  thread_local std::vector<std::pair<uint32_t, uint32_t>> chars;  // (offset, length); length 0 = space
  chars.clear();
  for (size_t i = 0; i < normalised.size();) {
    char32_t cp;
    int n = DecodeUtf8(normalised, i, &cp);
    chars.emplace_back(static_cast<uint32_t>(i), cp == ' ' ? 0u : static_cast<uint32_t>(n));
    i += n;
  }
  features->clear();
  if (grams) grams->clear();
  std::string g;
  for (size_t i = 0; i < chars.size(); ++i) {
    if (chars[i].second == 0) continue;
    uint64_t h = 1469598103934665603ull;
    if (grams) g.clear();
    for (size_t n = 0; n < 3 && i + n < chars.size(); ++n) {
      auto [off, len] = chars[i + n];
      if (len == 0) break;  // no n-gram spans a word break
      unsigned char first = static_cast<unsigned char>(normalised[off]);
      bool digit = len == 1 && first >= '0' && first <= '9';
      for (uint32_t k = 0; k < len; ++k) {
        h ^= digit ? static_cast<unsigned char>('0') : static_cast<unsigned char>(normalised[off + k]);
        h *= 1099511628211ull;
      }
      features->push_back(static_cast<uint32_t>(h % buckets));
      if (grams) {
        if (digit) {
          g.push_back('0');
        } else {
          g.append(normalised.substr(off, len));
        }
        grams->push_back(g);
      }
    }
  }
}

void NgramModel::Derive() {
  double v = static_cast<double>(counts_.size());
  std::vector<double> denom(classes_.size());
  for (size_t c = 0; c < classes_.size(); ++c) denom[c] = std::log(class_total_[c] + alpha_ * v);
  log_theta_.clear();
  log_theta_.reserve(counts_.size());
  for (const auto& [b, counts] : counts_) {
    auto& lt = log_theta_[b];
    lt.resize(classes_.size());
    for (size_t c = 0; c < classes_.size(); ++c) lt[c] = static_cast<float>(std::log(counts[c] + alpha_) - denom[c]);
  }
}

namespace {

// The distinct buckets of a text and the value each carries (binary, L2-normalised).
double DistinctFeatures(const std::vector<uint32_t>& features, std::vector<uint32_t>* distinct) {
  *distinct = features;
  std::sort(distinct->begin(), distinct->end());
  distinct->erase(std::unique(distinct->begin(), distinct->end()), distinct->end());
  return distinct->empty() ? 0.0 : 1.0 / std::sqrt(static_cast<double>(distinct->size()));
}

}  // namespace

std::vector<double> NgramModel::Scores(const std::vector<uint32_t>& features) const {
  if (kind_ == "logreg") {
    size_t k = classes_.size();
    std::vector<double> s(bias_.begin(), bias_.end());
    thread_local std::vector<uint32_t> distinct;
    double x = DistinctFeatures(features, &distinct);
    for (uint32_t f : distinct) {
      const float* w = &weights_[static_cast<size_t>(f) * k];
      for (size_t c = 0; c < k; ++c) s[c] += x * w[c];
    }
    return s;
  }
  std::vector<double> s = log_prior_;
  for (uint32_t f : features) {
    auto it = log_theta_.find(f);
    if (it == log_theta_.end()) continue;  // never seen in training: no evidence either way
    for (size_t c = 0; c < classes_.size(); ++c) s[c] += it->second[c];
  }
  return s;
}

namespace {

// Counts-only fit shared by the k-fold runs and the final model.
struct Fitted {
  std::vector<double> log_prior;
  std::vector<int> docs;
  std::vector<double> total;
  std::unordered_map<uint32_t, std::vector<float>> counts;
};

Fitted Fit(const std::vector<LabelledText>& data, const std::vector<size_t>& rows, const std::vector<std::string>& classes,
           const TrainOptions& options) {
  Fitted f;
  size_t k = classes.size();
  f.docs.assign(k, 0);
  f.total.assign(k, 0);
  std::map<std::string, size_t> index;
  for (size_t c = 0; c < k; ++c) index[classes[c]] = c;
  std::vector<uint32_t> feats;
  for (size_t r : rows) {
    size_t c = index.at(data[r].intent);
    ++f.docs[c];
    NgramFeatures(data[r].normalised, options.buckets, &feats, nullptr);
    for (uint32_t b : feats) {
      auto& v = f.counts[b];
      if (v.empty()) v.assign(k, 0.0f);
      v[c] += 1.0f;
      f.total[c] += 1.0;
    }
  }
  double n = static_cast<double>(rows.size());
  for (size_t c = 0; c < k; ++c) f.log_prior.push_back(std::log((f.docs[c] + 1.0) / (n + static_cast<double>(k))));
  return f;
}

// The file stores weights as int8 steps of max|w| / 127; the trained model is rounded the
// same way, so that the k-fold figures describe the model as it loads.
double Int8Scale(const std::vector<float>& w) {
  float mx = 0;
  for (float v : w) mx = std::max(mx, std::fabs(v));
  return mx > 0 ? mx / 127.0 : 1.0;
}

void QuantiseInt8(std::vector<float>* w) {
  double scale = Int8Scale(*w);
  for (float& v : *w) v = static_cast<float>(std::round(v / scale) * scale);
}

struct LinearFit {
  std::vector<float> weights;  // bucket * K + class
  std::vector<float> bias;
};

// Multinomial logistic regression, AdaGrad, L2 on the weights a step touches. Deterministic:
// the order of the rows is shuffled with a fixed seed.
LinearFit FitLinear(const std::vector<LabelledText>& data, const std::vector<size_t>& rows,
                    const std::vector<std::string>& classes, const TrainOptions& options) {
  size_t k = classes.size();
  LinearFit f;
  f.weights.assign(static_cast<size_t>(options.buckets) * k, 0.0f);
  f.bias.assign(k, 0.0f);
  std::vector<float> g2(f.weights.size(), 0.0f), gb(k, 0.0f);
  std::map<std::string, size_t> index;
  for (size_t c = 0; c < k; ++c) index[classes[c]] = c;
  // Features once.
  std::vector<std::vector<uint32_t>> feats(rows.size());
  std::vector<double> xs(rows.size());
  std::vector<size_t> gold(rows.size());
  std::vector<uint32_t> tmp;
  for (size_t i = 0; i < rows.size(); ++i) {
    NgramFeatures(data[rows[i]].normalised, options.buckets, &tmp, nullptr);
    xs[i] = DistinctFeatures(tmp, &feats[i]);
    gold[i] = index.at(data[rows[i]].intent);
  }
  std::vector<size_t> order(rows.size());
  std::iota(order.begin(), order.end(), 0);
  uint64_t rng = 0x9e3779b97f4a7c15ull;
  auto next = [&rng] {
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
  };
  const float lr = static_cast<float>(options.learning_rate), l2 = static_cast<float>(options.l2);
  std::vector<double> z(k), p(k);
  for (int epoch = 0; epoch < options.epochs; ++epoch) {
    for (size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[next() % i]);
    for (size_t oi : order) {
      const auto& fs = feats[oi];
      float x = static_cast<float>(xs[oi]);
      for (size_t c = 0; c < k; ++c) z[c] = f.bias[c];
      for (uint32_t b : fs) {
        const float* w = &f.weights[static_cast<size_t>(b) * k];
        for (size_t c = 0; c < k; ++c) z[c] += x * w[c];
      }
      double mx = *std::max_element(z.begin(), z.end()), sum = 0;
      for (size_t c = 0; c < k; ++c) sum += p[c] = std::exp(z[c] - mx);
      for (size_t c = 0; c < k; ++c) {
        float g = static_cast<float>(p[c] / sum - (c == gold[oi] ? 1.0 : 0.0));
        gb[c] += g * g;
        f.bias[c] -= lr * g / std::sqrt(gb[c] + 1e-6f);
        for (uint32_t b : fs) {
          size_t at = static_cast<size_t>(b) * k + c;
          float gw = g * x + l2 * f.weights[at];
          g2[at] += gw * gw;
          f.weights[at] -= lr * gw / std::sqrt(g2[at] + 1e-6f);
        }
      }
    }
  }
  return f;
}

}  // namespace

std::shared_ptr<const NgramModel> NgramModel::Train(const std::vector<LabelledText>& data, const TrainOptions& options,
                                                    std::vector<std::string> training_files,
                                                    const std::vector<char>* model_decides) {
  std::set<std::string> names;
  for (const auto& d : data) names.insert(d.intent);
  names.insert("none");
  std::vector<std::string> classes(names.begin(), names.end());
  auto make = [&](Fitted f) {
    std::shared_ptr<NgramModel> m(new NgramModel());
    m->buckets_ = options.buckets;
    m->alpha_ = options.alpha;
    m->classes_ = classes;
    m->log_prior_ = std::move(f.log_prior);
    m->class_docs_ = std::move(f.docs);
    m->class_total_ = std::move(f.total);
    m->counts_ = std::move(f.counts);
    m->Derive();
    return m;
  };

  const bool linear = options.kind == "logreg";
  auto make_linear = [&](LinearFit f) {
    std::shared_ptr<NgramModel> m(new NgramModel());
    m->kind_ = "logreg";
    m->buckets_ = options.buckets;
    m->classes_ = classes;
    m->weights_ = std::move(f.weights);
    m->bias_ = std::move(f.bias);
    m->class_docs_.assign(classes.size(), 0);
    for (const auto& d : data)
      m->class_docs_[std::lower_bound(classes.begin(), classes.end(), d.intent) - classes.begin()]++;
    QuantiseInt8(&m->weights_);
    return m;
  };

  // k-fold (naive Bayes) or one validation split of every 5th line (logreg): raw scores of
  // lines from a model that never saw them.
  std::vector<std::vector<double>> held_scores(data.size());
  int folds = std::max(2, options.folds);
  std::vector<uint32_t> feats;
  if (linear && data.size() >= 20) {
    std::vector<size_t> train;
    for (size_t i = 0; i < data.size(); ++i)
      if (i % folds != 0) train.push_back(i);
    auto m = make_linear(FitLinear(data, train, classes, options));
    for (size_t i = 0; i < data.size(); i += folds) {
      NgramFeatures(data[i].normalised, options.buckets, &feats, nullptr);
      held_scores[i] = m->Scores(feats);
    }
  } else if (!linear && data.size() >= static_cast<size_t>(folds) * 2) {
    for (int fold = 0; fold < folds; ++fold) {
      std::vector<size_t> train;
      for (size_t i = 0; i < data.size(); ++i)
        if (static_cast<int>(i % folds) != fold) train.push_back(i);
      auto m = make(Fit(data, train, classes, options));
      for (size_t i = fold; i < data.size(); i += folds) {
        NgramFeatures(data[i].normalised, options.buckets, &feats, nullptr);
        held_scores[i] = m->Scores(feats);
      }
    }
  }
  std::vector<size_t> gold(data.size());
  for (size_t i = 0; i < data.size(); ++i)
    gold[i] = std::lower_bound(classes.begin(), classes.end(), data[i].intent) - classes.begin();

  // Temperature: minimise the held-out negative log-likelihood over a log grid.
  double best_t = 1.0, best_nll = INFINITY;
  const double t_lo = linear ? 0.05 : 1.0, t_hi = linear ? 20.0 : 400.0;
  if (!held_scores.empty() && !held_scores[0].empty()) {
    for (int step = 0; step <= 80; ++step) {
      double t = std::exp(std::log(t_lo) + (std::log(t_hi) - std::log(t_lo)) * step / 80.0);
      double nll = 0;
      for (size_t i = 0; i < data.size(); ++i) {
        if (held_scores[i].empty()) continue;
        nll -= std::log(std::max(1e-12, Softmax(held_scores[i], t)[gold[i]]));
      }
      if (nll < best_nll) {
        best_nll = nll;
        best_t = t;
      }
    }
  }
  // Threshold: the lowest probability above which held-out non-none decisions had the right
  // category at least target_precision of the time.
  double threshold = 0.7;
  if (!held_scores.empty() && !held_scores[0].empty()) {
    std::vector<std::pair<double, bool>> decided;
    for (size_t i = 0; i < data.size(); ++i) {
      if (model_decides && i < model_decides->size() && !(*model_decides)[i]) continue;
      if (held_scores[i].empty()) continue;
      auto p = Softmax(held_scores[i], best_t);
      size_t arg = std::max_element(p.begin(), p.end()) - p.begin();
      if (classes[arg] == "none") continue;
      decided.emplace_back(p[arg], CategoryOf(classes[arg]) == CategoryOf(data[i].intent));
    }
    std::sort(decided.begin(), decided.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
    int right = 0;
    threshold = 0.99;
    for (size_t i = 0; i < decided.size(); ++i) {
      right += decided[i].second;
      if (i + 1 >= 10 && static_cast<double>(right) / static_cast<double>(i + 1) >= options.target_precision)
        threshold = decided[i].first;
    }
    threshold = std::clamp(threshold, 0.5, 0.99);
  }

  std::vector<size_t> all(data.size());
  std::iota(all.begin(), all.end(), 0);
  std::shared_ptr<NgramModel> model =
      linear ? make_linear(FitLinear(data, all, classes, options)) : make(Fit(data, all, classes, options));
  model->alpha_ = options.alpha;
  model->temperature_ = best_t;
  model->threshold_ = threshold;
  model->training_files_ = std::move(training_files);
  for (const auto& d : data) model->training_hashes_.insert(crypto::Sha256Hex(d.text));
  model->trained_at_ = NowUtc();
  return model;
}

ModelPrediction NgramModel::Predict(std::string_view normalised, bool with_evidence) const {
  ModelPrediction out;
  thread_local std::vector<uint32_t> feats;
  std::vector<std::string> grams;
  NgramFeatures(normalised, buckets_, &feats, with_evidence ? &grams : nullptr);
  out.distribution = Softmax(Scores(feats), temperature_);
  if (out.distribution.empty()) return out;
  std::vector<size_t> order(classes_.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return out.distribution[a] > out.distribution[b]; });
  // The decision is by category: the intents of a category share its probability mass (an
  // impersonation script split between four scam intents is still a scam), the named intent is
  // the best one inside the best category, and `probability` is that category's total.
  std::map<std::string, double> category_mass;
  for (size_t c = 0; c < classes_.size(); ++c) category_mass[CategoryOf(classes_[c])] += out.distribution[c];
  std::string best_category;
  double best_mass = -1;
  for (const auto& [cat, mass] : category_mass)
    if (mass > best_mass) best_mass = mass, best_category = cat;
  size_t win = order[0], second = order.size() > 1 ? order[1] : order[0];
  for (size_t c : order)
    if (CategoryOf(classes_[c]) == best_category) {
      win = c;
      break;
    }
  for (size_t c : order)
    if (CategoryOf(classes_[c]) != best_category) {
      second = c;
      break;
    }
  out.intent = classes_[win];
  out.probability = best_mass;
  if (!with_evidence) return out;
  // Evidence: the n-grams that most favour the winner over the runner-up.
  std::map<std::string, double> weight;
  if (kind_ == "logreg") {
    size_t k = classes_.size();
    for (size_t i = 0; i < feats.size(); ++i) {
      const float* w = &weights_[static_cast<size_t>(feats[i]) * k];
      weight[grams[i]] = w[win] - w[second];  // binary features: each n-gram counts once
    }
  }
  for (size_t i = 0; i < feats.size() && kind_ != "logreg"; ++i) {
    auto it = log_theta_.find(feats[i]);
    if (it == log_theta_.end()) continue;
    weight[grams[i]] += it->second[win] - it->second[second];
  }
  std::vector<std::pair<double, std::string>> ranked;
  for (auto& [g, w] : weight)
    if (w > 0 && g.size() > 3) ranked.emplace_back(w, g);  // unigrams explain little
  std::sort(ranked.rbegin(), ranked.rend());
  for (size_t i = 0; i < ranked.size() && i < 5; ++i) {
    char buf[32];
    std::snprintf(buf, sizeof buf, " (+%.2f)", ranked[i].first);
    out.evidence.push_back("ngram " + ranked[i].second + buf);
  }
  return out;
}

double NgramModel::ProbabilityOf(const ModelPrediction& p, const std::string& intent) const {
  for (size_t c = 0; c < classes_.size() && c < p.distribution.size(); ++c)
    if (classes_[c] == intent) return p.distribution[c];
  return 0.0;
}

bool NgramModel::WasTrainedOn(std::string_view text) const { return training_hashes_.count(crypto::Sha256Hex(text)) > 0; }

Status NgramModel::SaveFile(const std::filesystem::path& path) const {
  using nlohmann::json;
  std::vector<std::string> hashes(training_hashes_.begin(), training_hashes_.end());
  std::sort(hashes.begin(), hashes.end());
  std::vector<uint32_t> buckets;
  for (const auto& [b, v] : counts_) buckets.push_back(b);
  std::sort(buckets.begin(), buckets.end());
  json counts = json::array();
  for (uint32_t b : buckets) {
    const auto& v = counts_.at(b);
    for (size_t c = 0; c < v.size(); ++c)
      if (v[c] > 0) {
        counts.push_back(b);
        counts.push_back(c);
        counts.push_back(static_cast<int>(v[c]));
      }
  }
  std::error_code ec;
  std::filesystem::create_directories(path.parent_path(), ec);
  std::string tmp = path.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) return Status::Unavailable("cannot write " + tmp);
    out << "{\n";
    out << "\"format\": " << json(kFormat).dump() << ",\n";
    out << "\"version\": " << kModelFormatVersion << ",\n";
    out << "\"generated_by\": \"gridrelay train (do not edit by hand)\",\n";
    out << "\"trained_at\": " << json(trained_at_).dump() << ",\n";
    out << "\"features\": \"hashed character 1-3-grams of the normalised text, digits folded to 0\",\n";
    out << "\"buckets\": " << buckets_ << ",\n";
    out << "\"alpha\": " << alpha_ << ",\n";
    out << "\"temperature\": " << temperature_ << ",\n";
    out << "\"threshold\": " << threshold_ << ",\n";
    out << "\"classes\": " << json(classes_).dump() << ",\n";
    out << "\"class_docs\": " << json(class_docs_).dump() << ",\n";
    out << "\"training\": {\"files\": " << json(training_files_).dump() << ", \"lines\": " << hashes.size()
        << ", \"sha256_of_text\": " << json(hashes).dump() << "},\n";
    out << "\"kind\": " << json(kind_).dump() << ",\n";
    if (kind_ == "logreg") {
      double scale = Int8Scale(weights_);
      std::string bytes(weights_.size(), '\0');
      for (size_t i = 0; i < weights_.size(); ++i)
        bytes[i] = static_cast<char>(static_cast<int8_t>(std::clamp(std::lround(weights_[i] / scale), -127L, 127L)));
      out << "\"l2_logreg\": \"multinomial logistic regression, L2, AdaGrad; binary n-gram features / sqrt(n)\",\n";
      out << "\"bias\": " << json(bias_).dump() << ",\n";
      out << "\"scale\": " << json(scale).dump() << ",\n";
      out << "\"weights_int8_base64\": \"" << crypto::Base64Encode(bytes) << "\"\n}\n";
    } else {
      out << "\"counts\": " << counts.dump() << "\n}\n";
    }
    if (!out) return Status::Unavailable("write failed: " + tmp);
  }
  std::filesystem::rename(tmp, path, ec);
  if (ec) return Status::Unavailable("cannot rename " + tmp + ": " + ec.message());
  return Status::Ok();
}

StatusOr<std::shared_ptr<const NgramModel>> NgramModel::LoadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound("cannot open model file " + path.string());
  std::shared_ptr<NgramModel> m(new NgramModel());
  try {
    nlohmann::json j = nlohmann::json::parse(in);
    if (j.value("format", "") != kFormat)
      return Status::InvalidArgument(path.string() + ": not a gridrelay intent model");
    if (j.value("version", 0) != kModelFormatVersion && j.value("version", 0) != 1)
      return Status::InvalidArgument(path.string() + ": model format version " + std::to_string(j.value("version", 0)) +
                                     ", this build reads " + std::to_string(kModelFormatVersion) +
                                     " (run `gridrelay train` again)");
    m->buckets_ = j.at("buckets").get<uint32_t>();
    m->alpha_ = j.at("alpha").get<double>();
    m->temperature_ = j.at("temperature").get<double>();
    m->threshold_ = j.at("threshold").get<double>();
    m->classes_ = j.at("classes").get<std::vector<std::string>>();
    m->class_docs_ = j.at("class_docs").get<std::vector<int>>();
    m->trained_at_ = j.value("trained_at", "");
    const auto& t = j.at("training");
    m->training_files_ = t.at("files").get<std::vector<std::string>>();
    for (const auto& h : t.at("sha256_of_text")) m->training_hashes_.insert(h.get<std::string>());
    size_t k = m->classes_.size();
    m->kind_ = j.value("kind", std::string("naive_bayes"));
    if (m->kind_ == "logreg") {
      m->bias_ = j.at("bias").get<std::vector<float>>();
      double scale = j.at("scale").get<double>();
      auto bytes = crypto::Base64Decode(j.at("weights_int8_base64").get_ref<const std::string&>());
      if (!bytes.ok()) return Status::InvalidArgument(path.string() + ": bad weights: " + bytes.status().message());
      if (m->bias_.size() != k || k == 0 || bytes->size() != static_cast<size_t>(m->buckets_) * k || !(scale > 0) ||
          !(m->temperature_ > 0))
        return Status::InvalidArgument(path.string() + ": inconsistent logreg model");
      m->weights_.resize(bytes->size());
      for (size_t i = 0; i < bytes->size(); ++i)
        m->weights_[i] = static_cast<float>(static_cast<int8_t>((*bytes)[i]) * scale);
      return std::shared_ptr<const NgramModel>(std::move(m));
    }
    if (m->kind_ != "naive_bayes") return Status::InvalidArgument(path.string() + ": unknown model kind " + m->kind_);
    if (m->buckets_ == 0 || k == 0 || m->class_docs_.size() != k || !(m->temperature_ > 0) || !(m->alpha_ > 0))
      return Status::InvalidArgument(path.string() + ": inconsistent model header");
    m->class_total_.assign(k, 0.0);
    const auto& counts = j.at("counts");
    if (counts.size() % 3 != 0) return Status::InvalidArgument(path.string() + ": 'counts' is not a list of triples");
    for (size_t i = 0; i < counts.size(); i += 3) {
      uint32_t b = counts[i].get<uint32_t>();
      size_t c = counts[i + 1].get<size_t>();
      double n = counts[i + 2].get<double>();
      if (c >= k || b >= m->buckets_ || n < 0) return Status::InvalidArgument(path.string() + ": bad count entry");
      auto& v = m->counts_[b];
      if (v.empty()) v.assign(k, 0.0f);
      v[c] = static_cast<float>(n);
      m->class_total_[c] += n;
    }
    double total_docs = 0;
    for (int d : m->class_docs_) total_docs += d;
    for (size_t c = 0; c < k; ++c)
      m->log_prior_.push_back(std::log((m->class_docs_[c] + 1.0) / (total_docs + static_cast<double>(k))));
    m->Derive();
  } catch (const std::exception& e) {
    return Status::InvalidArgument(path.string() + ": " + e.what());
  }
  return std::shared_ptr<const NgramModel>(std::move(m));
}

}  // namespace gridrelay::intents

// Intent engine benchmark. For each pattern library (the shipped config/intents, and
// synthetic libraries of 1,000 and 5,000 patterns built from corpus vocabulary) it measures,
// on one core and the same normalised messages (>= 10,000 distinct: the corpus plus
// generated variations, so that no DFA cache is flattered by repeats):
//   engine      PatternSet as the engine compiles it (literals and co-occurrence patterns
//               from one Aho-Corasick pass, the remaining regexes through FilteredRE2)
//   engine, RE2 only   the same without the native co-occurrence matcher: every non-literal
//               pattern through FilteredRE2 (the design the issue measured at ~78k msgs/s)
//   naive       every pattern tried in turn with RE2::PartialMatch
//   hyperscan   Hyperscan block mode over the same patterns (near-limit reference)
//   re2-set     one RE2::Set of everything (the design the issue warns against), 1k only
// in time-boxed rounds that alternate between the matchers. It also reports the
// normaliser's own cost, full Classify throughput, compile/reload time and memory, and
// checks that engine, naive and Hyperscan agree on which patterns match.
//
// Usage: gridrelay_bench_intents [--seconds-per-round S] [--rounds N] [--messages M]
//                                [--config DIR] [--only shipped|1000|5000]
#include <hs.h>
#include <malloc.h>
#include <re2/re2.h>
#include <re2/set.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "intents/compiled_engine.h"
#include "intents/normaliser.h"
#include "intents/pattern_set.h"

namespace gridrelay::intents {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

// Bytes the allocator has handed out (heap and mmapped chunks): what a compiled matcher and
// its caches actually hold, unlike RSS, which freed-but-kept pages blur.
size_t HeapBytes() {
  struct mallinfo2 mi = mallinfo2();
  return mi.uordblks + mi.hblkhd;
}

std::vector<std::string> ReadCorpus(const fs::path& dir) {
  std::vector<std::string> out;
  for (const char* name : {"dev.jsonl", "public-lecoqa.jsonl"}) {
    std::ifstream in(dir / name);
    std::string line;
    while (std::getline(in, line)) {
      try {
        out.push_back(nlohmann::json::parse(line).at("text").get<std::string>());
      } catch (const std::exception&) {
      }
    }
  }
  return out;
}

// Variations: two messages joined, greetings/mentions/emoji around, full-width digits,
// separators inside words, truncation. Deterministic.
std::vector<std::string> MakeMessages(const std::vector<std::string>& corpus, size_t want) {
  std::mt19937 rng(20261123);
  std::set<std::string> seen(corpus.begin(), corpus.end());
  std::vector<std::string> out(seen.begin(), seen.end());
  const char* prefixes[] = {"@网格员 ", "大家好，", "请问一下，", "【转发】", "急！", "各位邻居，", "[CQ:at,qq=10001] ", "麻烦问下 "};
  const char* joins[] = {"，另外", "。还有，", "！！而且", "；", " 顺便说一下，", "。。。"};
  const char* suffixes[] = {"，谢谢", "😡😡", "？？？", "，怎么办啊", "[捂脸]", "，麻烦尽快处理", " 🙏", "，急"};
  auto pick = [&](size_t n) { return static_cast<size_t>(rng() % n); };
  while (out.size() < want && !corpus.empty()) {
    std::string m = corpus[pick(corpus.size())];
    switch (pick(5)) {
      case 0: m = prefixes[pick(std::size(prefixes))] + m; break;
      case 1: m += joins[pick(std::size(joins))] + corpus[pick(corpus.size())]; break;
      case 2: m += suffixes[pick(std::size(suffixes))]; break;
      case 3: {  // a separator inside the text, at a character boundary
        size_t pos = pick(m.size());
        while (pos < m.size() && (static_cast<unsigned char>(m[pos]) & 0xC0) == 0x80) ++pos;
        m.insert(pos, pick(2) ? " " : "-");
        break;
      }
      default: m = prefixes[pick(std::size(prefixes))] + m + suffixes[pick(std::size(suffixes))]; break;
    }
    if (seen.insert(m).second) out.push_back(m);
  }
  std::shuffle(out.begin(), out.end(), rng);
  return out;
}

// Vocabulary for synthetic patterns: frequent 2- and 3-character CJK substrings of the corpus.
std::vector<std::string> Vocabulary(const std::vector<std::string>& normalised) {
  std::unordered_map<std::string, int> freq;
  for (const auto& t : normalised) {
    std::vector<std::pair<size_t, size_t>> cps;  // (offset, length) of CJK code points
    for (size_t i = 0; i < t.size();) {
      char32_t cp;
      int n = DecodeUtf8(t, i, &cp);
      if (IsCjk(cp)) {
        cps.emplace_back(i, n);
      } else {
        cps.emplace_back(i, 0);
      }
      i += n;
    }
    for (size_t k = 0; k + 1 < cps.size(); ++k) {
      for (size_t len = 2; len <= 3 && k + len <= cps.size(); ++len) {
        bool all = true;
        for (size_t q = k; q < k + len; ++q) all &= cps[q].second > 0;
        if (!all) break;
        size_t end = cps[k + len - 1].first + cps[k + len - 1].second;
        freq[t.substr(cps[k].first, end - cps[k].first)]++;
      }
    }
  }
  std::vector<std::pair<int, std::string>> ranked;
  for (auto& [w, f] : freq)
    if (f >= 3) ranked.emplace_back(f, w);
  std::sort(ranked.rbegin(), ranked.rend());
  std::vector<std::string> out;
  for (size_t i = 0; i < ranked.size() && i < 4000; ++i) out.push_back(ranked[i].second);
  return out;
}

// Synthetic library shaped like the shipped one: 55% bounded-gap co-occurrence (two or
// three alternations with .{0,n} between), 15% regex-shaped (an optional group, a digit
// class), 20% gap-free alternations, 10% plain keywords.
std::vector<PatternSet::Spec> Synthetic(const std::vector<std::string>& vocab, size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  auto word = [&] { return vocab[rng() % vocab.size()]; };
  auto alt = [&](int k) {
    std::string s = "(";
    for (int i = 0; i < k; ++i) {
      if (i) s += '|';
      s += word();
    }
    return s + ")";
  };
  const int gaps[] = {4, 6, 8, 10, 12, 16, 20};
  std::vector<PatternSet::Spec> out;
  std::set<std::string> seen;
  while (out.size() < n) {
    int kind = static_cast<int>(rng() % 100);
    PatternSet::Spec s;
    if (kind < 45) {
      s.regex = alt(2 + rng() % 4) + ".{0," + std::to_string(gaps[rng() % std::size(gaps)]) + "}" + alt(2 + rng() % 3);
    } else if (kind < 55) {
      s.regex = alt(2 + rng() % 3) + ".{0,8}" + alt(2 + rng() % 3) + ".{0,8}" + alt(2 + rng() % 3);
    } else if (kind < 65) {  // regex-shaped: an optional word, then a gap
      s.regex = "(" + word() + ")?" + alt(2 + rng() % 3) + ".{0,10}" + alt(2 + rng() % 3);
    } else if (kind < 70) {  // regex-shaped: a number with a unit
      s.regex = "[0-9]{1,6}" + alt(2 + rng() % 3);
    } else if (kind < 90) {
      s.regex = alt(2 + rng() % 3) + word();
    } else {
      s.regex = word() + word();
      s.literal = true;
    }
    s.id = "synthetic:" + std::to_string(out.size());
    if (seen.insert(s.regex).second) out.push_back(std::move(s));
  }
  return out;
}

// ---- matchers ------------------------------------------------------------------------

struct Matcher {
  std::string name;
  std::function<int(const std::string&)> run;  // returns the number of matching patterns
  std::function<std::vector<int>(const std::string&)> ids;  // for the agreement check
  double compile_s = 0;
  long rss_kib = 0;       // heap held after compiling, KiB
  long cache_kib = 0;     // heap grown while matching (DFA caches, scratch), KiB
  std::string note;
};

struct Hs {
  hs_database_t* db = nullptr;
  hs_scratch_t* scratch = nullptr;
  ~Hs() {
    if (scratch) hs_free_scratch(scratch);
    if (db) hs_free_database(db);
  }
};

int OnHsMatch(unsigned int id, unsigned long long, unsigned long long, unsigned int, void* ctx) {
  static_cast<std::vector<int>*>(ctx)->push_back(static_cast<int>(id));
  return 0;
}

std::string HsExpression(const PatternSet::Spec& s) { return s.literal ? re2::RE2::QuoteMeta(s.regex) : s.regex; }

// The patterns every matcher gets: those Hyperscan also accepts, so all compare on one set.
std::vector<PatternSet::Spec> HsCompatible(const std::vector<PatternSet::Spec>& specs, int* dropped) {
  std::vector<PatternSet::Spec> out;
  *dropped = 0;
  for (const auto& s : specs) {
    std::string e = HsExpression(s);
    hs_database_t* db = nullptr;
    hs_compile_error_t* err = nullptr;
    if (hs_compile(e.c_str(), HS_FLAG_UTF8 | HS_FLAG_CASELESS | HS_FLAG_SINGLEMATCH, HS_MODE_BLOCK, nullptr, &db,
                   &err) == HS_SUCCESS) {
      out.push_back(s);
      hs_free_database(db);
    } else {
      ++*dropped;
      hs_free_compile_error(err);
    }
  }
  return out;
}

const std::vector<std::string>* g_sample = nullptr;  // messages for the candidate count

std::vector<Matcher> BuildMatchers(const std::vector<PatternSet::Spec>& specs, bool with_re2_set,
                                   std::vector<std::shared_ptr<void>>* keep) {
  std::vector<Matcher> out;
  for (int variant = 0; variant < 2; ++variant) {
    bool in_set = false;
    size_t before = HeapBytes();
    auto start = Clock::now();
    PatternSetOptions o;
    o.gap_free_in_set = in_set;
    o.native_cooccurrence = variant == 0;
    auto ps = PatternSet::Compile(specs, o);
    double took = Seconds(Clock::now() - start);
    if (!ps.ok()) {
      std::fprintf(stderr, "PatternSet::Compile: %s\n", ps.status().ToString().c_str());
      std::exit(1);
    }
    std::shared_ptr<PatternSet> p = std::move(*ps);
    keep->push_back(p);
    Matcher m;
    m.name = variant == 0 ? "engine" : "engine, RE2 only (FilteredRE2)";
    m.compile_s = took;
    m.rss_kib = static_cast<long>((HeapBytes() - before) / 1024);
    const auto& st = p->stats();
    double cands = 0;
    for (size_t i = 0; i < std::min<size_t>(2000, g_sample->size()); ++i) cands += p->CountCandidates((*g_sample)[i]);
    cands /= std::max<size_t>(1, std::min<size_t>(2000, g_sample->size()));
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.1f regexes run per message; ", cands);
    m.note = buf + std::to_string(st.literal) + " literal, " + std::to_string(st.cooccurrence) + " co-occurrence (" +
             std::to_string(st.words) + " words), " +
             std::to_string(st.gapped) + " gapped, " + std::to_string(st.unfiltered) + " unfiltered, " +
             std::to_string(st.atoms) + " atoms";
    m.run = [p](const std::string& t) {
      thread_local std::vector<PatternSet::Hit> hits;
      hits.clear();
      p->Match(t, &hits);
      return static_cast<int>(hits.size());
    };
    m.ids = [p](const std::string& t) {
      std::vector<PatternSet::Hit> hits;
      p->Match(t, &hits);
      std::vector<int> v;
      for (const auto& h : hits) v.push_back(h.pattern);
      std::sort(v.begin(), v.end());
      return v;
    };
    out.push_back(std::move(m));
  }
  {
    size_t before = HeapBytes();
    auto start = Clock::now();
    auto res = std::make_shared<std::vector<std::unique_ptr<re2::RE2>>>();
    for (const auto& s : specs)
      res->push_back(std::make_unique<re2::RE2>(s.literal ? re2::RE2::QuoteMeta(s.regex) : s.regex, PatternOptions()));
    keep->push_back(res);
    Matcher m;
    m.name = "naive";
    m.compile_s = Seconds(Clock::now() - start);
    m.rss_kib = static_cast<long>((HeapBytes() - before) / 1024);
    m.run = [res](const std::string& t) {
      int n = 0;
      for (const auto& re : *res) n += re2::RE2::PartialMatch(t, *re);
      return n;
    };
    m.ids = [res](const std::string& t) {
      std::vector<int> v;
      for (size_t i = 0; i < res->size(); ++i)
        if (re2::RE2::PartialMatch(t, *(*res)[i])) v.push_back(static_cast<int>(i));
      return v;
    };
    out.push_back(std::move(m));
  }
  {
    std::vector<std::string> exprs;
    std::vector<const char*> cexprs;
    std::vector<unsigned> flags, ids;
    for (size_t i = 0; i < specs.size(); ++i) {
      exprs.push_back(HsExpression(specs[i]));
      flags.push_back(HS_FLAG_UTF8 | HS_FLAG_CASELESS | HS_FLAG_SINGLEMATCH);
      ids.push_back(static_cast<unsigned>(i));
    }
    for (const auto& e : exprs) cexprs.push_back(e.c_str());
    auto hs = std::make_shared<Hs>();
    size_t before = HeapBytes();
    auto start = Clock::now();
    hs_compile_error_t* err = nullptr;
    if (hs_compile_multi(cexprs.data(), flags.data(), ids.data(), static_cast<unsigned>(cexprs.size()), HS_MODE_BLOCK,
                         nullptr, &hs->db, &err) != HS_SUCCESS) {
      std::fprintf(stderr, "hs_compile_multi: %s\n", err->message);
      std::exit(1);
    }
    hs_alloc_scratch(hs->db, &hs->scratch);
    keep->push_back(hs);
    Matcher m;
    m.name = "hyperscan";
    m.compile_s = Seconds(Clock::now() - start);
    m.rss_kib = static_cast<long>((HeapBytes() - before) / 1024);
    size_t db_size = 0;
    hs_database_size(hs->db, &db_size);
    m.note = "database " + std::to_string(db_size / 1024) + " KiB";
    m.run = [hs](const std::string& t) {
      thread_local std::vector<int> got;
      got.clear();
      hs_scan(hs->db, t.data(), static_cast<unsigned>(t.size()), 0, hs->scratch, OnHsMatch, &got);
      return static_cast<int>(got.size());
    };
    m.ids = [hs](const std::string& t) {
      std::vector<int> got;
      hs_scan(hs->db, t.data(), static_cast<unsigned>(t.size()), 0, hs->scratch, OnHsMatch, &got);
      std::sort(got.begin(), got.end());
      return got;
    };
    out.push_back(std::move(m));
  }
  if (with_re2_set) {
    size_t before = HeapBytes();
    auto start = Clock::now();
    re2::RE2::Options o = PatternOptions();
    o.set_max_mem(int64_t{1} << 30);
    auto set = std::make_shared<re2::RE2::Set>(o, re2::RE2::UNANCHORED);
    for (const auto& s : specs) set->Add(s.literal ? re2::RE2::QuoteMeta(s.regex) : s.regex, nullptr);
    bool ok = set->Compile();
    keep->push_back(set);
    Matcher m;
    m.name = "re2-set (all)";
    m.compile_s = Seconds(Clock::now() - start);
    m.rss_kib = static_cast<long>((HeapBytes() - before) / 1024);
    m.note = ok ? "max_mem 1 GiB" : "failed to compile";
    if (ok) {
      m.run = [set](const std::string& t) {
        thread_local std::vector<int> v;
        v.clear();
        set->Match(t, &v);
        return static_cast<int>(v.size());
      };
      out.push_back(std::move(m));
    }
  }
  return out;
}

struct Tally {
  double seconds = 0;
  size_t messages = 0;
  size_t bytes = 0;
  size_t next = 0;
  std::vector<double> rate_per_round;
};

void Measure(const std::string& title, std::vector<Matcher>& matchers, const std::vector<std::string>& input,
             double seconds_per_round, int rounds) {
  std::vector<Tally> tally(matchers.size());
  volatile long sink = 0;
  for (int r = 0; r < rounds; ++r) {
    for (size_t k = 0; k < matchers.size(); ++k) {
      // Alternate the order so that no matcher always runs on a warm or cold cache.
      size_t m = (r % 2 == 0) ? k : matchers.size() - 1 - k;
      Tally& t = tally[m];
      size_t heap_before = HeapBytes();
      auto start = Clock::now();
      auto deadline = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds_per_round));
      size_t n = 0, bytes = 0;
      while (true) {
        for (int burst = 0; burst < 64; ++burst) {
          const std::string& msg = input[t.next];
          t.next = (t.next + 1) % input.size();
          sink = sink + matchers[m].run(msg);
          bytes += msg.size();
          ++n;
        }
        if (Clock::now() >= deadline) break;
      }
      double took = Seconds(Clock::now() - start);
      size_t heap_after = HeapBytes();
      if (heap_after > heap_before) matchers[m].cache_kib += static_cast<long>((heap_after - heap_before) / 1024);
      t.seconds += took;
      t.messages += n;
      t.bytes += bytes;
      t.rate_per_round.push_back(n / took);
    }
  }
  double hs_rate = 0;
  for (size_t m = 0; m < matchers.size(); ++m)
    if (matchers[m].name == "hyperscan") hs_rate = tally[m].messages / tally[m].seconds;
  std::printf("\n### %s\n\n", title.c_str());
  std::printf("| matcher | msgs/s (median of %d rounds) | MB/s | vs Hyperscan | compile | heap after compile | heap grown matching | notes |\n",
              rounds);
  std::printf("|---|---:|---:|---:|---:|---:|---:|---|\n");
  for (size_t m = 0; m < matchers.size(); ++m) {
    auto rates = tally[m].rate_per_round;
    std::sort(rates.begin(), rates.end());
    double median = rates[rates.size() / 2];
    double mbs = tally[m].bytes / tally[m].seconds / 1e6;
    std::printf("| %s | %.0f | %.1f | %.0f%% | %.3f s | %.1f MiB | %.1f MiB | %s |\n", matchers[m].name.c_str(), median,
                mbs, hs_rate > 0 ? 100.0 * (tally[m].messages / tally[m].seconds) / hs_rate : 0.0, matchers[m].compile_s,
                matchers[m].rss_kib / 1024.0, matchers[m].cache_kib / 1024.0, matchers[m].note.c_str());
  }
  std::fflush(stdout);
}

void Agreement(const std::vector<Matcher>& matchers, const std::vector<std::string>& input, size_t sample) {
  const Matcher* engine = nullptr;
  const Matcher* naive = nullptr;
  const Matcher* hs = nullptr;
  for (const auto& m : matchers) {
    if (m.name == "engine") engine = &m;  // the default configuration
    if (m.name == "naive") naive = &m;
    if (m.name == "hyperscan") hs = &m;
  }
  size_t same_naive = 0, same_hs = 0, n = std::min(sample, input.size()), hits = 0;
  for (size_t i = 0; i < n; ++i) {
    auto e = engine->ids(input[i]);
    hits += !e.empty();
    same_naive += e == naive->ids(input[i]);
    same_hs += e == hs->ids(input[i]);
  }
  std::printf("\nagreement on %zu messages (%zu with a hit): engine = naive on %zu, engine = hyperscan on %zu\n", n, hits,
              same_naive, same_hs);
}

int Main(int argc, char** argv) {
  double seconds_per_round = 0.5;
  int rounds = 5;
  size_t want_messages = 12000;
  fs::path config = fs::path(GRIDRELAY_ROOT_DIR) / "config";
  std::string only;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--seconds-per-round") seconds_per_round = std::stod(argv[i + 1]);
    if (a == "--rounds") rounds = std::stoi(argv[i + 1]);
    if (a == "--messages") want_messages = std::stoul(argv[i + 1]);
    if (a == "--config") config = argv[i + 1];
    if (a == "--only") only = argv[i + 1];
  }
  auto corpus = ReadCorpus(GRIDRELAY_CORPUS_DIR);
  if (corpus.empty()) {
    std::fprintf(stderr, "no corpus under %s\n", GRIDRELAY_CORPUS_DIR);
    return 1;
  }
  auto raw = MakeMessages(corpus, want_messages);
  size_t raw_bytes = 0;
  for (const auto& m : raw) raw_bytes += m.size();
  std::printf("# intent engine benchmark\n\n%zu distinct messages (%zu corpus lines + generated variations), mean %.0f "
              "bytes; %.2f s per matcher per round, %d alternating rounds; one core.\n",
              raw.size(), corpus.size(), 1.0 * raw_bytes / raw.size(), seconds_per_round, rounds);

  auto norm = Normaliser::Create();
  if (!norm.ok()) return 1;
  std::vector<std::string> input;
  {
    auto start = Clock::now();
    for (int pass = 0; pass < 3; ++pass) {  // mean of three passes
      input.clear();
      for (const auto& m : raw) input.push_back(norm->Normalise(m).text);
    }
    double took = Seconds(Clock::now() - start) / 3;
    std::printf("\nnormaliser: %.0f msgs/s, %.1f MB/s (%.2f us per message)\n", raw.size() / took, raw_bytes / took / 1e6,
                1e6 * took / raw.size());
  }

  g_sample = &input;
  std::vector<std::shared_ptr<void>> keep;
  if (only.empty() || only == "shipped") {
    auto start = Clock::now();
    size_t before = HeapBytes();
    auto engine = CompiledEngine::Build(config);
    double build_s = Seconds(Clock::now() - start);
    if (!engine.ok()) {
      std::fprintf(stderr, "%s\n", engine.status().ToString().c_str());
      return 1;
    }
    std::printf("\nshipped library: load + compile (a reload) %.1f ms; the engine holds %.1f MiB of heap (patterns, "
                "model, and the OpenCC table built on first load)\n",
                build_s * 1e3, (HeapBytes() - before) / 1048576.0);
    {
      auto again = Clock::now();
      auto e2 = CompiledEngine::Build(config);
      std::printf("second reload %.1f ms\n", Seconds(Clock::now() - again) * 1e3);
    }
    // Full Classify: normalise + match + resolve + entities (+ model when no rule fired).
    auto start2 = Clock::now();
    size_t n = 0, bytes = 0;
    volatile size_t sink = 0;
    while (Seconds(Clock::now() - start2) < seconds_per_round * rounds) {
      for (int b = 0; b < 64; ++b) {
        const auto& m = raw[n % raw.size()];
        sink = sink + (*engine)->Classify(m).matches.size();
        bytes += m.size();
        ++n;
      }
    }
    double took = Seconds(Clock::now() - start2);
    std::printf("full Classify (normalise, match, resolve, entities, model): %.0f msgs/s, %.1f MB/s\n", n / took,
                bytes / took / 1e6);

    std::vector<PatternSet::Spec> specs;
    const IntentLibrary& lib = (*engine)->library();
    auto add = [&](const SourcePattern& p) { specs.push_back({p.regex, p.keyword, p.Id()}); };
    for (const auto& c : lib.categories) {
      for (const auto& p : c.exclude) add(p);
      for (const auto& p : c.urgent) add(p);
    }
    for (const auto& i : lib.intents) {
      for (const auto& p : i.patterns) add(p);
      for (const auto& p : i.exclude) add(p);
      for (const auto& p : i.urgent) add(p);
    }
    for (const auto& p : lib.vetoes) add(p);
    int dropped = 0;
    specs = HsCompatible(specs, &dropped);
    auto matchers = BuildMatchers(specs, true, &keep);
    Measure("shipped library: " + std::to_string(specs.size()) + " patterns" +
                (dropped ? " (" + std::to_string(dropped) + " Hyperscan cannot compile left out)" : ""),
            matchers, input, seconds_per_round, rounds);
    Agreement(matchers, input, 3000);
    keep.clear();
  }
  std::vector<std::string> vocab = Vocabulary(input);
  for (size_t n : {size_t{1000}, size_t{5000}}) {
    if (!only.empty() && only != std::to_string(n)) continue;
    int dropped = 0;
    auto specs = HsCompatible(Synthetic(vocab, n, static_cast<unsigned>(n)), &dropped);
    auto matchers = BuildMatchers(specs, n <= 1000, &keep);
    Measure("synthetic library: " + std::to_string(specs.size()) + " patterns", matchers, input, seconds_per_round,
            rounds);
    Agreement(matchers, input, 2000);
    keep.clear();
  }
  return 0;
}

}  // namespace
}  // namespace gridrelay::intents

int main(int argc, char** argv) { return gridrelay::intents::Main(argc, argv); }

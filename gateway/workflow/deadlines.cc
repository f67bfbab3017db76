// The deadline table's loader and lookup, and the deadline clock.
#include "gateway/workflow/deadlines.h"

#include <algorithm>

#include "gateway/core/time_units.h"
#include "util/yaml_file.h"

namespace gridrelay::workflow {
namespace {


}  // namespace

std::string_view Name(ClockKind k) { return k == ClockKind::kWorking ? "working" : "calendar"; }

std::optional<ClockKind> ParseClockKind(std::string_view name) {
  if (name == "working") return ClockKind::kWorking;
  if (name == "calendar") return ClockKind::kCalendar;
  return std::nullopt;
}

std::optional<int64_t> ParseDuration(std::string_view s) {
  if (s.size() < 2 || s.size() > 8) return std::nullopt;
  int64_t unit = 0;
  switch (s.back()) {
    case 'm': unit = kSecondsPerMinute; break;
    case 'h': unit = kSecondsPerHour; break;
    case 'd': unit = kSecondsPerDay; break;
    default: return std::nullopt;
  }
  int64_t v = 0;
  for (char c : s.substr(0, s.size() - 1)) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  if (v <= 0) return std::nullopt;
  return v * unit;
}

std::string FormatDuration(int64_t s) {
  if (s > 0 && s % kSecondsPerDay == 0) return std::to_string(s / kSecondsPerDay) + "d";
  if (s > 0 && s % kSecondsPerHour == 0) return std::to_string(s / kSecondsPerHour) + "h";
  if (s > 0 && s % kSecondsPerMinute == 0) return std::to_string(s / kSecondsPerMinute) + "m";
  return std::to_string(s) + "s";
}

StatusOr<DeadlineTable> DeadlineTable::Load(const std::filesystem::path& file,
                                            std::span<const std::string_view> known_intents) {
  auto loaded = YamlFile::Load(file);
  if (!loaded.ok()) return loaded.status();
  const YamlFile& f = *loaded;
  const YAML::Node& root = f.root();
  GR_RETURN_IF_ERROR(f.CheckKeys(root, {"default", "urgent", "categories", "intents"}, "deadlines"));

  auto read_deadline = [&](const YAML::Node& n, const std::string& what) -> StatusOr<std::optional<Deadline>> {
    if (!n) return std::optional<Deadline>();
    GR_RETURN_IF_ERROR(f.CheckKeys(n, {"within", "clock"}, what));
    const YAML::Node within = n["within"];
    if (!within || !within.IsScalar()) return f.Error(n, what + ": 'within' (e.g. 2h) is missing");
    std::optional<int64_t> secs = ParseDuration(within.Scalar());
    if (!secs)
      return f.Error(within, what + ": within '" + within.Scalar() +
                                 "' must be a positive whole number of m, h or d (15m, 2h, 7d)");
    const YAML::Node clock = n["clock"];
    if (!clock || !clock.IsScalar()) return f.Error(n, what + ": 'clock' (working or calendar) is missing");
    std::optional<ClockKind> kind = ParseClockKind(clock.Scalar());
    if (!kind) return f.Error(clock, what + ": clock '" + clock.Scalar() + "' must be working or calendar");
    if (*kind == ClockKind::kWorking && within.Scalar().back() == 'd')
      return f.Error(within, what + ": a working-time deadline is written in hours or minutes, not days");
    return std::optional<Deadline>(Deadline{*secs, *kind});
  };
  auto read_pair = [&](const YAML::Node& n, const std::string& what) -> StatusOr<Partial> {
    GR_RETURN_IF_ERROR(f.CheckKeys(n, {"response", "resolution"}, what));
    Partial p;
    auto r = read_deadline(n["response"], what + ".response");
    if (!r.ok()) return r.status();
    auto s = read_deadline(n["resolution"], what + ".resolution");
    if (!s.ok()) return s.status();
    p.response = *r;
    p.resolution = *s;
    return p;
  };

  DeadlineTable t;
  if (!root["default"]) return f.Error(root, "deadlines: 'default' is missing");
  auto def = read_pair(root["default"], "default");
  if (!def.ok()) return def.status();
  if (!def->response || !def->resolution)
    return f.Error(root["default"], "default needs both a response and a resolution deadline");
  t.default_ = *def;
  if (root["urgent"]) {
    auto u = read_pair(root["urgent"], "urgent");
    if (!u.ok()) return u.status();
    t.urgent_ = *u;
  }
  auto is_category = [&](std::string_view c) {
    return std::any_of(known_intents.begin(), known_intents.end(), [&](std::string_view i) {
      return i.size() > c.size() && i.starts_with(c) && i[c.size()] == '.';
    });
  };
  auto is_intent = [&](std::string_view n) {
    return std::find(known_intents.begin(), known_intents.end(), n) != known_intents.end();
  };
  for (const char* section : {"categories", "intents"}) {
    const YAML::Node s = root[section];
    if (!s) continue;
    if (!s.IsMap()) return f.Error(s, std::string(section) + " must be a map");
    const bool cats = std::string_view(section) == "categories";
    for (const auto& kv : s) {
      const std::string name = kv.first.Scalar();
      if (cats ? !is_category(name) : !is_intent(name))
        return f.Error(kv.first, std::string("unknown ") + (cats ? "category" : "intent") + " '" + name +
                                     "' (see shared/docs/taxonomy.md)");
      auto p = read_pair(kv.second, std::string(section) + "." + name);
      if (!p.ok()) return p.status();
      (cats ? t.categories_ : t.intents_)[name] = *p;
    }
  }
  return t;
}

DeadlinePair DeadlineTable::For(std::string_view intent, bool urgent) const {
  const std::string_view category = intent.substr(0, intent.find('.'));
  const Partial* layers[4] = {urgent ? &urgent_ : nullptr, nullptr, nullptr, &default_};
  if (auto it = intents_.find(intent); it != intents_.end()) layers[1] = &it->second;
  if (auto it = categories_.find(category); it != categories_.end()) layers[2] = &it->second;
  DeadlinePair out{*default_.response, *default_.resolution};
  bool have_response = false, have_resolution = false;
  for (const Partial* p : layers) {
    if (!p) continue;
    if (!have_response && p->response) out.response = *p->response, have_response = true;
    if (!have_resolution && p->resolution) out.resolution = *p->resolution, have_resolution = true;
  }
  return out;
}

StatusOr<DueTime> ComputeDue(const Calendar& cal, Deadline d, int64_t start) {
  return d.clock == ClockKind::kWorking ? cal.AddWorkingTime(start, d.seconds) : cal.AddCalendarTime(start, d.seconds);
}

StatusOr<ClockReading> ReadDeadlineClock(const Calendar& cal, Deadline d, DeadlineKind kind,
                                         std::span<const StatusChange> history, int64_t now) {
  using S = TicketStatus;
  enum class Phase { kBefore, kRun, kPause, kStop };
  auto phase = [&](S s) {
    if (s == S::kNew || s == S::kUnconfirmed) return Phase::kBefore;  // nobody handles it yet
    if (s == S::kResolved || s == S::kClosed || s == S::kRejected || s == S::kMerged) return Phase::kStop;
    if (kind == DeadlineKind::kResponse)  // only signing for it (接单) answers the response deadline
      return s == S::kDispatched || s == S::kTransferred || s == S::kReopened ? Phase::kRun : Phase::kStop;
    return s == S::kWaitingResident ? Phase::kPause : Phase::kRun;
  };
  ClockReading out;
  auto measure = [&](int64_t a, int64_t b) -> StatusOr<int64_t> {
    if (b <= a) return int64_t{0};
    if (d.clock == ClockKind::kCalendar) return b - a;
    auto w = cal.WorkingSecondsBetween(a, b);
    if (!w.ok()) return w.status();
    out.past_calendar_end |= w->past_calendar_end;
    return w->seconds;
  };

  bool started = false, stopped = false, running = false;
  int64_t run_start = 0;
  for (size_t i = 0; i < history.size(); ++i) {
    const StatusChange& c = history[i];
    if (i > 0 && c.at < history[i - 1].at) return Status::InvalidArgument("status history is not in time order");
    if (running) {
      auto m = measure(run_start, c.at);
      if (!m.ok()) return m.status();
      out.elapsed += *m;
    }
    if (c.status == S::kReopened || c.restarts == kind) {  // the clock starts again from zero
      out.elapsed = 0;
      stopped = false;
    }
    const Phase p = phase(c.status);
    if (p != Phase::kBefore) started = true;
    if (p == Phase::kStop) stopped = true;
    running = started && !stopped && p == Phase::kRun;
    if (running) run_start = c.at;
  }
  const int64_t before_segment = out.elapsed;
  if (running) {
    auto m = measure(run_start, now);
    if (!m.ok()) return m.status();
    out.elapsed += *m;
  }
  if (!started) return out;
  if (stopped) {
    out.state = ClockReading::State::kStopped;
  } else if (!running) {
    out.state = ClockReading::State::kPaused;
  } else {
    out.state = ClockReading::State::kRunning;
    auto due = ComputeDue(cal, {std::max<int64_t>(0, d.seconds - before_segment), d.clock}, run_start);
    if (!due.ok()) return due.status();
    out.due = due->due;
    out.past_calendar_end |= due->past_calendar_end;
    out.overdue = now >= due->due;
    return out;
  }
  out.overdue = out.elapsed >= d.seconds;
  return out;
}

}  // namespace gridrelay::workflow

#include "gateway/config/config.h"

#include <algorithm>
#include <optional>
#include <set>
#include <string_view>

#include <re2/re2.h>

#include "util/yaml_file.h"

namespace gridrelay {
namespace {

// Secrets that ship in config/ for the demo. A server that listens beyond loopback refuses
// to start while any of them is configured.
const char* const kDemoSecrets[] = {
    "gridrelay-demo-secret",
    "gridrelay-demo-token",
    "Z3JpZHJlbGF5LWRlbW8tYWVzLWtleS0zMi1ieXRlcyE",
};

// A path named in a config file: a relative one is taken from that file's directory.
std::string ResolveInConfigDir(const YamlFile& f, const std::string& path) {
  const std::filesystem::path p(path);
  return p.is_absolute() ? path : (std::filesystem::path(f.name()).parent_path() / p).lexically_normal().string();
}

Status LoadMain(const YamlFile& f, Config* c) {
  const YAML::Node& root = f.root();
  GR_RETURN_IF_ERROR(f.CheckKeys(root, {"server", "store", "delivery", "processing", "campaigns", "channels"},
                                 "gridrelay.yaml"));

  if (YAML::Node s = root["server"]) {
    GR_RETURN_IF_ERROR(f.CheckKeys(s, {"listen", "max_body_bytes", "threads", "io_threads", "keep_alive_seconds",
                                       "read_timeout_seconds", "request_timeout_seconds", "keep_alive_max_count",
                                       "max_header_bytes", "max_headers", "max_connections",
                                       "max_connections_per_source", "listen_backlog", "metrics_listen",
                                       "metrics_token", "tls_cert_file", "tls_key_file"}, "server"));
    std::string listen;
    GR_RETURN_IF_ERROR(f.Read(s, "listen", &listen));
    if (!listen.empty()) {
      Status st = ParseListen(listen, &c->server.host, &c->server.port);
      if (!st.ok()) return f.Error(s["listen"], st.message());
    }
    GR_RETURN_IF_ERROR(f.Read(s, "max_body_bytes", &c->server.max_body_bytes));
    GR_RETURN_IF_ERROR(f.Read(s, "threads", &c->server.threads));
    GR_RETURN_IF_ERROR(f.Read(s, "keep_alive_seconds", &c->server.keep_alive_seconds));
    GR_RETURN_IF_ERROR(f.Read(s, "read_timeout_seconds", &c->server.read_timeout_seconds));
    GR_RETURN_IF_ERROR(f.Read(s, "keep_alive_max_count", &c->server.keep_alive_max_count));
    if (c->server.max_body_bytes < 1024) return f.Error(s["max_body_bytes"], "max_body_bytes must be at least 1024");
    if (c->server.threads < 2 || c->server.threads > 4096) return f.Error(s["threads"], "threads must be 2..4096");
    if (c->server.keep_alive_seconds < 1) return f.Error(s["keep_alive_seconds"], "keep_alive_seconds must be >= 1");
    if (c->server.read_timeout_seconds < 1) return f.Error(s["read_timeout_seconds"], "read_timeout_seconds must be >= 1");
    ServerOptions& o = c->server;
    GR_RETURN_IF_ERROR(f.Read(s, "io_threads", &o.io_threads));
    GR_RETURN_IF_ERROR(f.Read(s, "request_timeout_seconds", &o.request_timeout_seconds));
    GR_RETURN_IF_ERROR(f.Read(s, "max_header_bytes", &o.max_header_bytes));
    GR_RETURN_IF_ERROR(f.Read(s, "max_headers", &o.max_headers));
    GR_RETURN_IF_ERROR(f.Read(s, "max_connections", &o.max_connections));
    GR_RETURN_IF_ERROR(f.Read(s, "max_connections_per_source", &o.max_connections_per_source));
    GR_RETURN_IF_ERROR(f.Read(s, "listen_backlog", &o.listen_backlog));
    GR_RETURN_IF_ERROR(f.Read(s, "metrics_listen", &o.metrics_listen));
    GR_RETURN_IF_ERROR(f.Read(s, "metrics_token", &o.metrics_token));
    if (o.io_threads < 1 || o.io_threads > 64) return f.Error(s["io_threads"], "io_threads must be 1..64");
    if (o.request_timeout_seconds < 1 || o.request_timeout_seconds > 3600)
      return f.Error(s["request_timeout_seconds"], "request_timeout_seconds must be 1..3600");
    if (o.max_header_bytes < 1024 || o.max_header_bytes > (size_t{1} << 20))
      return f.Error(s["max_header_bytes"], "max_header_bytes must be 1024..1048576");
    if (o.max_headers < 8 || o.max_headers > 10000) return f.Error(s["max_headers"], "max_headers must be 8..10000");
    if (o.max_connections < 16 || o.max_connections > 1000000)
      return f.Error(s["max_connections"], "max_connections must be 16..1000000");
    if (o.max_connections_per_source < 1 || o.max_connections_per_source > o.max_connections)
      return f.Error(s["max_connections_per_source"], "max_connections_per_source must be 1..max_connections");
    if (o.listen_backlog < 1024 || o.listen_backlog > 65535)
      return f.Error(s["listen_backlog"], "listen_backlog must be 1024..65535");
    if (!o.metrics_listen.empty()) {
      Status st = ParseListen(o.metrics_listen, &o.metrics_host, &o.metrics_port);
      if (!st.ok()) return f.Error(s["metrics_listen"], st.message());
    }
    if (!o.metrics_token.empty() && o.metrics_token.size() < 16)
      return f.Error(s["metrics_token"], "metrics_token must be at least 16 characters");
    GR_RETURN_IF_ERROR(f.Read(s, "tls_cert_file", &o.tls_cert_file));
    GR_RETURN_IF_ERROR(f.Read(s, "tls_key_file", &o.tls_key_file));
    if (o.tls_cert_file.empty() != o.tls_key_file.empty())
      return f.Error(s[o.tls_cert_file.empty() ? "tls_key_file" : "tls_cert_file"],
                     "tls_cert_file and tls_key_file go together: set both for HTTPS, or neither");
    for (const char* key : {"tls_cert_file", "tls_key_file"}) {
      std::string& path = key == std::string_view("tls_cert_file") ? o.tls_cert_file : o.tls_key_file;
      if (path.empty()) continue;
      path = ResolveInConfigDir(f, path);
      if (!std::filesystem::is_regular_file(path)) return f.Error(s[key], std::string(key) + " " + path + ": no such file");
    }
  }
  if (YAML::Node s = root["store"]) {
    GR_RETURN_IF_ERROR(f.CheckKeys(s, {"data_dir", "dedup_window_days", "group_commit_max_batch"}, "store"));
    GR_RETURN_IF_ERROR(f.Read(s, "data_dir", &c->store.data_dir));
    GR_RETURN_IF_ERROR(f.Read(s, "dedup_window_days", &c->store.dedup_window_days));
    GR_RETURN_IF_ERROR(f.Read(s, "group_commit_max_batch", &c->store.group_commit_max_batch));
    if (c->store.dedup_window_days < 1) return f.Error(s["dedup_window_days"], "dedup_window_days must be >= 1");
    if (c->store.group_commit_max_batch < 1) return f.Error(s["group_commit_max_batch"], "group_commit_max_batch must be >= 1");
  }
  if (YAML::Node s = root["delivery"]) {
    GR_RETURN_IF_ERROR(f.CheckKeys(s, {"workers", "max_attempts", "backoff_initial_ms", "backoff_max_ms",
                                       "lease_seconds", "global_per_second", "retry_horizon_seconds",
                                       "channel_concurrency", "campaign_share"}, "delivery"));
    GR_RETURN_IF_ERROR(f.Read(s, "workers", &c->delivery.workers));
    GR_RETURN_IF_ERROR(f.Read(s, "max_attempts", &c->delivery.max_attempts));
    GR_RETURN_IF_ERROR(f.Read(s, "backoff_initial_ms", &c->delivery.backoff_initial_ms));
    GR_RETURN_IF_ERROR(f.Read(s, "backoff_max_ms", &c->delivery.backoff_max_ms));
    GR_RETURN_IF_ERROR(f.Read(s, "lease_seconds", &c->delivery.lease_seconds));
    GR_RETURN_IF_ERROR(f.Read(s, "global_per_second", &c->delivery.global_per_second));
    GR_RETURN_IF_ERROR(f.Read(s, "retry_horizon_seconds", &c->delivery.retry_horizon_seconds));
    GR_RETURN_IF_ERROR(f.Read(s, "channel_concurrency", &c->delivery.channel_concurrency));
    if (c->delivery.workers < 0 || c->delivery.workers > 64) return f.Error(s["workers"], "workers must be 0..64");
    if (c->delivery.max_attempts < 0)
      return f.Error(s["max_attempts"], "max_attempts must be >= 0 (0: no count, retry_horizon_seconds decides)");
    if (c->delivery.retry_horizon_seconds < 1 || c->delivery.retry_horizon_seconds > 30 * 86400)
      return f.Error(s["retry_horizon_seconds"], "retry_horizon_seconds must be 1..2592000 (30 days)");
    if (c->delivery.channel_concurrency < 1 || c->delivery.channel_concurrency > 64)
      return f.Error(s["channel_concurrency"], "channel_concurrency must be 1..64");
    if (c->delivery.backoff_initial_ms < 1 || c->delivery.backoff_max_ms < c->delivery.backoff_initial_ms)
      return f.Error(s, "backoff_initial_ms must be >= 1 and <= backoff_max_ms");
    if (c->delivery.lease_seconds < 1) return f.Error(s["lease_seconds"], "lease_seconds must be >= 1");
    GR_RETURN_IF_ERROR(f.Read(s, "campaign_share", &c->delivery.campaign_share));
    if (!(c->delivery.campaign_share > 0 && c->delivery.campaign_share <= 1))
      return f.Error(s["campaign_share"], "campaign_share must be > 0 and <= 1 (the part of each rate budget campaigns may use)");
    if (c->delivery.global_per_second < 0) return f.Error(s["global_per_second"], "global_per_second must be >= 0");
  }
  if (YAML::Node s = root["campaigns"]) {
    GR_RETURN_IF_ERROR(f.CheckKeys(s, {"confirm_over", "max_duration_hours", "quiet_hours"}, "campaigns"));
    CampaignOptions& o = c->campaigns;
    GR_RETURN_IF_ERROR(f.Read(s, "confirm_over", &o.confirm_over));
    GR_RETURN_IF_ERROR(f.Read(s, "max_duration_hours", &o.max_duration_hours));
    GR_RETURN_IF_ERROR(f.Read(s, "quiet_hours", &o.quiet_hours));
    if (o.confirm_over < 1) return f.Error(s["confirm_over"], "confirm_over must be >= 1 (groups)");
    if (o.max_duration_hours < 1 || o.max_duration_hours > 24 * 30)
      return f.Error(s["max_duration_hours"], "max_duration_hours must be 1..720");
    if (!o.quiet_hours.empty()) {
      auto spans = ParseRota(o.quiet_hours);
      if (!spans.ok())
        return f.Error(s["quiet_hours"], "quiet_hours: " + spans.status().message() + " (e.g. \"mon-sun 22:00-07:00\")");
      o.quiet_spans = std::move(*spans);
    }
  }
  if (YAML::Node s = root["processing"]) {
    GR_RETURN_IF_ERROR(f.CheckKeys(s, {"poll_ms", "batch"}, "processing"));
    GR_RETURN_IF_ERROR(f.Read(s, "poll_ms", &c->processing.poll_ms));
    GR_RETURN_IF_ERROR(f.Read(s, "batch", &c->processing.batch));
    if (c->processing.poll_ms < 10) return f.Error(s["poll_ms"], "poll_ms must be >= 10");
    if (c->processing.batch < 1) return f.Error(s["batch"], "batch must be >= 1");
  }
  YAML::Node channels = root["channels"];
  if (!channels || !channels.IsMap() || channels.size() == 0)
    return f.Error(channels ? channels : root, "'channels' must be a map of channel name -> settings");
  static const RE2 kName("[a-z0-9][a-z0-9_-]{0,63}");
  for (const auto& kv : channels) {
    ChannelSpec spec;
    spec.name = kv.first.Scalar();
    spec.file = f.name();
    spec.line = kv.first.Mark().line + 1;
    if (!RE2::FullMatch(spec.name, kName))
      return f.Error(kv.first, "channel name '" + spec.name + "' must be lower-case letters, digits, - or _");
    if (!kv.second.IsMap()) return f.Error(kv.second, "channel '" + spec.name + "' must be a map with a 'type'");
    GR_RETURN_IF_ERROR(f.Require(kv.second, "type", &spec.type));
    for (const auto& field : kv.second) {
      std::string key = field.first.Scalar();
      spec.key_lines[key] = field.first.Mark().line + 1;
      if (key == "ca_file") {
        // Every channel's own: whom its outbound HTTPS trusts instead of the system store.
        GR_RETURN_IF_ERROR(f.Read(kv.second, "ca_file", &spec.ca_file));
        spec.ca_file = ResolveInConfigDir(f, spec.ca_file);
        if (!std::filesystem::is_regular_file(spec.ca_file))
          return f.Error(field.first, "ca_file " + spec.ca_file + ": no such file");
      } else if (key != "type") {
        spec.settings[key] = YamlToJson(field.second);
      }
    }
    c->channels.push_back(std::move(spec));
  }
  return Status::Ok();
}

Status ReadNotify(const YamlFile& f, const YAML::Node& parent, NotifyTarget* out) {
  YAML::Node n = parent["notify"];
  if (!n) return Status::Ok();
  GR_RETURN_IF_ERROR(f.CheckKeys(n, {"channel", "to", "group"}, "notify"));
  GR_RETURN_IF_ERROR(f.Require(n, "channel", &out->channel));
  GR_RETURN_IF_ERROR(f.Require(n, "to", &out->to));
  GR_RETURN_IF_ERROR(f.Read(n, "group", &out->group));
  out->where = f.Where(n);
  return Status::Ok();
}

// Minutes after midnight of "HH:MM" (00:00 … 24:00), or -1.
int MinutesOfDay(std::string_view t) {
  if (t.size() != 5 || t[2] != ':') return -1;
  for (int i : {0, 1, 3, 4})
    if (t[i] < '0' || t[i] > '9') return -1;
  const int h = (t[0] - '0') * 10 + (t[1] - '0');
  const int m = (t[3] - '0') * 10 + (t[4] - '0');
  if (m > 59 || h > 24 || (h == 24 && m != 0)) return -1;
  return h * 60 + m;
}

}  // namespace

StatusOr<std::vector<DutySpan>> ParseRota(std::string_view text) {
  static const char* kDays[] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
  auto bad = [](const std::string& why) { return Status::InvalidArgument(why); };
  auto day = [](std::string_view d) -> int {
    for (int i = 0; i < 7; ++i)
      if (d == kDays[i]) return i;
    return -1;
  };
  auto trim = [](std::string_view v) {
    while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
    while (!v.empty() && v.back() == ' ') v.remove_suffix(1);
    return v;
  };
  std::vector<DutySpan> out;
  std::string_view rest = text;
  while (true) {
    const size_t comma = rest.find(',');
    const std::string_view part = trim(rest.substr(0, comma));
    if (part.empty()) return bad("an empty entry (write \"mon-fri 09:00-18:00\", several joined by commas)");
    const size_t space = part.find(' ');
    const std::string_view days = part.substr(0, space);
    const std::string_view hours = space == std::string_view::npos ? std::string_view() : trim(part.substr(space + 1));
    const size_t dash = days.find('-');
    const std::string_view first = days.substr(0, dash);
    const std::string_view last = dash == std::string_view::npos ? first : days.substr(dash + 1);
    DutySpan span;
    span.first_day = day(first);
    span.last_day = day(last);
    for (std::string_view d : {first, last})
      if (day(d) < 0) return bad("'" + std::string(d) + "' is not a day (mon, tue, wed, thu, fri, sat, sun)");
    if (hours.size() != 11 || hours[5] != '-')
      return bad("'" + std::string(part) + "' needs hours as HH:MM-HH:MM after the days");
    for (std::string_view t : {hours.substr(0, 5), hours.substr(6)})
      if (MinutesOfDay(t) < 0) return bad("'" + std::string(t) + "' is not a time HH:MM (00:00 … 24:00)");
    span.begin_min = MinutesOfDay(hours.substr(0, 5));
    span.end_min = MinutesOfDay(hours.substr(6));
    if (span.begin_min >= 24 * 60) return bad("'24:00' can only end a range");
    if (span.end_min == span.begin_min)
      return bad("'" + std::string(hours) + "' starts and ends at the same time (a whole day is 00:00-24:00)");
    if (span.end_min > span.begin_min) {
      out.push_back(span);
    } else {
      // Overnight: the named days until midnight, then the next mornings.
      DutySpan morning{(span.first_day + 1) % 7, (span.last_day + 1) % 7, 0, span.end_min};
      span.end_min = 24 * 60;
      out.push_back(span);
      if (morning.end_min > 0) out.push_back(morning);
    }
    if (comma == std::string_view::npos) break;
    rest = rest.substr(comma + 1);
  }
  return out;
}

namespace {

Status ReadRota(const YamlFile& f, const YAML::Node& team, Team* t) {
  YAML::Node rota = team["rota"];
  if (!rota) return Status::Ok();
  if (!rota.IsMap()) return f.Error(rota, "'rota' must map a member id to hours like \"mon-fri 09:00-18:00\"");
  for (const auto& kv : rota) {
    const std::string member = kv.first.as<std::string>();
    if (std::find(t->members.begin(), t->members.end(), member) == t->members.end())
      return f.Error(kv.first, "rota of team '" + t->id + "' names '" + member + "', who is not a member");
    if (!kv.second.IsScalar()) return f.Error(kv.second, "rota of '" + member + "' must be a string like \"mon-fri 09:00-18:00\"");
    auto spans = ParseRota(kv.second.as<std::string>());
    if (!spans.ok())
      return f.Error(kv.second, "rota of '" + member + "': " + spans.status().message() +
                                    " (like \"mon-fri 09:00-18:00, sat 09:00-12:00, fri 22:00-06:00\")");
    t->rota[member] = std::move(*spans);
  }
  return Status::Ok();
}

Status ReadUnits(const YamlFile& f, const YAML::Node& list, const char* what, std::vector<OrgUnit>* out) {
  if (!list) return Status::Ok();
  if (!list.IsSequence()) return f.Error(list, std::string("'") + what + "' must be a list");
  for (const auto& n : list) {
    OrgUnit u;
    GR_RETURN_IF_ERROR(f.CheckKeys(n, {"id", "name", "street", "duty"}, what));
    GR_RETURN_IF_ERROR(f.Require(n, "id", &u.id));
    GR_RETURN_IF_ERROR(f.Read(n, "name", &u.name));
    GR_RETURN_IF_ERROR(f.Read(n, "street", &u.parent));
    GR_RETURN_IF_ERROR(f.Read(n, "duty", &u.duty));
    u.where = f.Where(n);
    out->push_back(std::move(u));
  }
  return Status::Ok();
}

Status LoadLoop(const YamlFile& f, const YAML::Node& n, LoopOptions* loop) {
  GR_RETURN_IF_ERROR(f.CheckKeys(n, {"max_bounces", "satisfaction_wait_hours", "reasons"}, "loop"));
  GR_RETURN_IF_ERROR(f.Read(n, "max_bounces", &loop->max_bounces));
  GR_RETURN_IF_ERROR(f.Read(n, "satisfaction_wait_hours", &loop->satisfaction_wait_hours));
  if (loop->max_bounces < 1) return f.Error(n["max_bounces"], "'max_bounces' must be at least 1");
  if (loop->satisfaction_wait_hours < 1)
    return f.Error(n["satisfaction_wait_hours"], "'satisfaction_wait_hours' must be at least 1");
  loop->where = f.Where(n);
  YAML::Node reasons = n["reasons"];
  if (!reasons) return f.Error(n, "'loop' needs 'reasons' for transfer, return and reject");
  GR_RETURN_IF_ERROR(f.CheckKeys(reasons, {"transfer", "return", "reject"}, "reasons"));
  for (const char* action : {"transfer", "return", "reject"}) {
    YAML::Node codes = reasons[action];
    if (!codes || !codes.IsMap() || codes.size() == 0)
      return f.Error(codes ? codes : reasons, std::string("reasons: '") + action + "' needs a map of code: 中文 label");
    for (const auto& kv : codes) {
      const std::string code = kv.first.Scalar();
      if (loop->reasons[action].count(code))
        return f.Error(kv.first, std::string("reason code '") + code + "' is given twice under '" + action + "'");
      // Codes are typed in chat after the ticket number, so they must be one word.
      if (code.empty() || code.find_first_of(" \t") != std::string::npos || code.find("\u3000") != std::string::npos)
        return f.Error(kv.first, "reason code '" + code + "' must be one word");
      if (!kv.second.IsScalar() || kv.second.Scalar().empty())
        return f.Error(kv.second, "reason '" + code + "' needs a 中文 label");
      loop->reasons[action][code] = kv.second.Scalar();
    }
  }
  return Status::Ok();
}

Status LoadDuplicates(const YamlFile& f, const YAML::Node& n, DuplicateOptions* d) {
  GR_RETURN_IF_ERROR(f.CheckKeys(n, {"enabled", "window_hours", "categories", "text_threshold", "place_threshold",
                                     "places"}, "duplicates"));
  GR_RETURN_IF_ERROR(f.Read(n, "enabled", &d->enabled));
  GR_RETURN_IF_ERROR(f.Read(n, "window_hours", &d->window_hours));
  GR_RETURN_IF_ERROR(f.Read(n, "categories", &d->categories));
  GR_RETURN_IF_ERROR(f.Read(n, "text_threshold", &d->text_threshold));
  GR_RETURN_IF_ERROR(f.Read(n, "place_threshold", &d->place_threshold));
  GR_RETURN_IF_ERROR(f.Read(n, "places", &d->places));
  if (d->window_hours < 1 || d->window_hours > 720)
    return f.Error(n["window_hours"], "'window_hours' must be 1..720");
  for (const char* key : {"text_threshold", "place_threshold"}) {
    const double v = std::string_view(key) == "text_threshold" ? d->text_threshold : d->place_threshold;
    if (!(v >= 0.0 && v <= 1.0)) return f.Error(n[key], std::string("'") + key + "' must be 0..1");
  }
  for (const std::string& c : d->categories)
    if (c != "appeal" && c != "legal_aid" && c != "anti_fraud")
      return f.Error(n["categories"], "unknown category '" + c + "' (appeal, legal_aid, anti_fraud)");
  for (const std::string& p : d->places)
    if (p.empty()) return f.Error(n["places"], "a place must not be empty");
  d->where = f.Where(n);
  return Status::Ok();
}

Status LoadConfirm(const YamlFile& f, const YAML::Node& n, ConfirmOptions* c) {
  GR_RETURN_IF_ERROR(f.CheckKeys(n, {"enabled", "digest_after_hours", "digest_at"}, "confirm"));
  GR_RETURN_IF_ERROR(f.Read(n, "enabled", &c->enabled));
  GR_RETURN_IF_ERROR(f.Read(n, "digest_after_hours", &c->digest_after_hours));
  if (c->digest_after_hours < 1 || c->digest_after_hours > 720)
    return f.Error(n["digest_after_hours"], "'digest_after_hours' must be 1..720");
  std::string at;
  GR_RETURN_IF_ERROR(f.Read(n, "digest_at", &at));
  if (!at.empty()) {
    const int minutes = MinutesOfDay(at);
    if (minutes < 0 || minutes >= 24 * 60)
      return f.Error(n["digest_at"], "'digest_at' must be HH:MM (China time), got '" + at + "'");
    c->digest_at_minutes = minutes;
  }
  c->where = f.Where(n);
  return Status::Ok();
}

Status LoadWarningOptions(const YamlFile& f, const YAML::Node& n, WarningOptions* w) {
  GR_RETURN_IF_ERROR(f.CheckKeys(n, {"window_minutes"}, "warnings"));
  GR_RETURN_IF_ERROR(f.Read(n, "window_minutes", &w->window_minutes));
  if (w->window_minutes < 1 || w->window_minutes > 1440)
    return f.Error(n["window_minutes"], "'window_minutes' must be 1..1440");
  w->where = f.Where(n);
  return Status::Ok();
}

Status LoadReplyBudget(const YamlFile& f, const YAML::Node& n, ReplyBudgetOptions* b) {
  GR_RETURN_IF_ERROR(f.CheckKeys(n, {"enabled", "window_seconds"}, "reply_budget"));
  GR_RETURN_IF_ERROR(f.Read(n, "enabled", &b->enabled));
  GR_RETURN_IF_ERROR(f.Read(n, "window_seconds", &b->window_seconds));
  if (b->window_seconds < 5 || b->window_seconds > 3600)
    return f.Error(n["window_seconds"], "'window_seconds' must be 5..3600");
  b->where = f.Where(n);
  return Status::Ok();
}

Status LoadRouting(const YamlFile& f, Routing* r, LoopOptions* loop, DuplicateOptions* duplicates,
                   ConfirmOptions* confirm, WarningOptions* warnings, ReplyBudgetOptions* reply_budget) {
  const YAML::Node& root = f.root();
  GR_RETURN_IF_ERROR(f.CheckKeys(root, {"district", "streets", "communities", "grids", "staff", "teams", "routes",
                                        "escalation", "admin", "loop", "duplicates", "confirm", "warnings",
                                        "reply_budget"},
                                 "routing.yaml"));
  if (YAML::Node n = root["duplicates"]; n) GR_RETURN_IF_ERROR(LoadDuplicates(f, n, duplicates));
  if (YAML::Node n = root["confirm"]; n) GR_RETURN_IF_ERROR(LoadConfirm(f, n, confirm));
  if (YAML::Node n = root["warnings"]; n) GR_RETURN_IF_ERROR(LoadWarningOptions(f, n, warnings));
  if (YAML::Node n = root["reply_budget"]; n) GR_RETURN_IF_ERROR(LoadReplyBudget(f, n, reply_budget));
  YAML::Node d = root["district"];
  if (!d) return f.Error(root, "missing 'district'");
  GR_RETURN_IF_ERROR(f.CheckKeys(d, {"id", "name", "duty"}, "district"));
  GR_RETURN_IF_ERROR(f.Require(d, "id", &r->district.id));
  GR_RETURN_IF_ERROR(f.Read(d, "name", &r->district.name));
  GR_RETURN_IF_ERROR(f.Read(d, "duty", &r->district.duty));
  r->district.where = f.Where(d);
  GR_RETURN_IF_ERROR(ReadUnits(f, root["streets"], "streets", &r->streets));
  for (auto& s : r->streets) s.parent = r->district.id;
  GR_RETURN_IF_ERROR(ReadUnits(f, root["communities"], "communities", &r->communities));

  if (YAML::Node grids = root["grids"]; grids) {
    if (!grids.IsSequence()) return f.Error(grids, "'grids' must be a list");
    for (const auto& n : grids) {
      Grid g;
      GR_RETURN_IF_ERROR(f.CheckKeys(n, {"id", "name", "community", "worker", "groups"}, "grid"));
      GR_RETURN_IF_ERROR(f.Require(n, "id", &g.id));
      GR_RETURN_IF_ERROR(f.Read(n, "name", &g.name));
      GR_RETURN_IF_ERROR(f.Require(n, "community", &g.community));
      GR_RETURN_IF_ERROR(f.Require(n, "worker", &g.worker));
      g.where = f.Where(n);
      g.worker_where = f.Where(n["worker"]);
      if (YAML::Node groups = n["groups"]; groups) {
        if (!groups.IsSequence()) return f.Error(groups, "'groups' must be a list of {channel, group}");
        for (const auto& gn : groups) {
          GroupRef ref;
          GR_RETURN_IF_ERROR(f.CheckKeys(gn, {"channel", "group", "tags", "warnings"}, "group"));
          GR_RETURN_IF_ERROR(f.Require(gn, "channel", &ref.channel));
          GR_RETURN_IF_ERROR(f.Require(gn, "group", &ref.group));
          if (YAML::Node mode = gn["warnings"]; mode) {
            auto parsed = ParseWarningMode(mode.IsScalar() ? mode.Scalar() : "");
            if (!parsed) return f.Error(mode, "'warnings' is group, quiet or off");
            ref.warnings = *parsed;
          }
          if (YAML::Node tags = gn["tags"]; tags) {
            if (!tags.IsSequence()) return f.Error(tags, "'tags' must be a list of tag names");
            for (const auto& tn : tags) {
              static const RE2 kTag("[a-z0-9][a-z0-9_-]{0,63}");
              const std::string tag = tn.IsScalar() ? tn.as<std::string>() : "";
              if (!RE2::FullMatch(tag, kTag))
                return f.Error(tn, "a group tag is lower-case letters, digits, '_' or '-' (up to 64), not '" + tag + "'");
              ref.tags.push_back(tag);
            }
          }
          g.groups.push_back(std::move(ref));
        }
      }
      r->grids.push_back(std::move(g));
    }
  }
  if (YAML::Node staff = root["staff"]; staff) {
    if (!staff.IsSequence()) return f.Error(staff, "'staff' must be a list");
    for (const auto& n : staff) {
      StaffMember m;
      GR_RETURN_IF_ERROR(f.CheckKeys(n, {"id", "name", "role", "mobile", "accounts", "notify"}, "staff member"));
      GR_RETURN_IF_ERROR(f.Require(n, "id", &m.id));
      GR_RETURN_IF_ERROR(f.Read(n, "name", &m.name));
      GR_RETURN_IF_ERROR(f.Read(n, "role", &m.role));
      if (!m.role.empty() &&
          std::find_if(std::begin(kStaffRoles), std::end(kStaffRoles), [&](const char* known_role) { return m.role == known_role; }) ==
              std::end(kStaffRoles)) {
        std::string known;
        for (const char* known_role : kStaffRoles) known += std::string(known.empty() ? "" : ", ") + known_role;
        return f.Error(n["role"], "staff '" + m.id + "' has role '" + m.role + "'; roles are " + known);
      }
      GR_RETURN_IF_ERROR(f.Read(n, "mobile", &m.mobile));
      if (YAML::Node acc = n["accounts"]; acc) {
        if (!acc.IsMap()) return f.Error(acc, "'accounts' must map channel -> platform user id(s)");
        for (const auto& kv : acc) {
          auto& ids = m.accounts[kv.first.Scalar()];
          if (kv.second.IsScalar()) {
            ids.push_back(kv.second.Scalar());
          } else if (kv.second.IsSequence()) {
            for (const auto& id : kv.second) ids.push_back(id.Scalar());
          } else {
            return f.Error(kv.second, "account ids must be a value or a list");
          }
        }
      }
      GR_RETURN_IF_ERROR(ReadNotify(f, n, &m.notify));
      m.where = f.Where(n);
      r->staff.push_back(std::move(m));
    }
  }
  if (YAML::Node teams = root["teams"]; teams) {
    if (!teams.IsSequence()) return f.Error(teams, "'teams' must be a list");
    for (const auto& n : teams) {
      Team t;
      GR_RETURN_IF_ERROR(f.CheckKeys(n, {"id", "name", "serves", "members", "scope", "rota", "notify"}, "team"));
      GR_RETURN_IF_ERROR(f.Require(n, "id", &t.id));
      GR_RETURN_IF_ERROR(f.Read(n, "name", &t.name));
      GR_RETURN_IF_ERROR(f.Require(n, "serves", &t.serves_category));
      GR_RETURN_IF_ERROR(f.Read(n, "members", &t.members));
      GR_RETURN_IF_ERROR(f.Read(n, "scope", &t.scope));
      GR_RETURN_IF_ERROR(ReadRota(f, n, &t));
      GR_RETURN_IF_ERROR(ReadNotify(f, n, &t.notify));
      t.where = f.Where(n);
      if (t.notify.channel.empty()) return f.Error(n, "team '" + t.id + "' needs a 'notify' target");
      r->teams.push_back(std::move(t));
    }
  }
  if (YAML::Node routes = root["routes"]; routes) {
    if (!routes.IsMap()) return f.Error(routes, "'routes' must map a category or intent to grid | team | team:<id>");
    for (const auto& kv : routes) {
      std::string to = kv.second.Scalar();
      if (to != "grid" && to != "team" && to.rfind("team:", 0) != 0)
        return f.Error(kv.second, "route for '" + kv.first.Scalar() + "' must be grid, team or team:<id>, not '" + to + "'");
      r->routes[kv.first.Scalar()] = to;
    }
  }
  GR_RETURN_IF_ERROR(f.Read(root, "escalation", &r->escalation));
  // The chain climbs: each level above the one before it, none twice (a repeated level would
  // send a ticket round in a cycle), from the grid up.
  static const std::vector<std::string> kLevelOrder = {"grid", "community", "street", "district"};
  const YAML::Node chain = root["escalation"];
  for (size_t i = 0; chain && i < r->escalation.size(); ++i) {
    const YAML::Node at = chain[i];
    auto rank = std::find(kLevelOrder.begin(), kLevelOrder.end(), r->escalation[i]);
    if (rank == kLevelOrder.end())
      return f.Error(at, "unknown escalation level '" + r->escalation[i] + "' (grid, community, street, district)");
    for (size_t j = 0; j < i; ++j)
      if (r->escalation[j] == r->escalation[i])
        return f.Error(at, "escalation level '" + r->escalation[i] + "' appears twice: the chain would cycle");
    if (i > 0 && rank <= std::find(kLevelOrder.begin(), kLevelOrder.end(), r->escalation[i - 1]))
      return f.Error(at, "escalation must climb grid -> community -> street -> district: '" + r->escalation[i] +
                             "' cannot follow '" + r->escalation[i - 1] + "'");
  }
  if (chain && !r->escalation.empty() && r->escalation.front() != "grid")
    return f.Error(chain, "escalation must start at 'grid', where tickets open");
  if (YAML::Node admin = root["admin"]; admin) {
    GR_RETURN_IF_ERROR(f.CheckKeys(admin, {"notify"}, "admin"));
    GR_RETURN_IF_ERROR(ReadNotify(f, admin, &r->admin));
  }
  if (YAML::Node n = root["loop"]; n) return LoadLoop(f, n, loop);
  return f.Error(root, "routing.yaml needs a 'loop' section (max_bounces, satisfaction_wait_hours, reasons)");
}

Status LoadTemplates(const YamlFile& f, Templates* t) {
  const YAML::Node& root = f.root();
  GR_RETURN_IF_ERROR(f.CheckKeys(root, {"group_ack", "private_ack", "staff_notify", "urgent_copy", "triage_notify", "safety",
                                        "intent_labels", "loop", "sensitive_group_notice", "warnings", "visit",
                                        "reply_budget"},
                                 "templates.yaml"));
  auto read_map = [&](const char* key, std::map<std::string, std::string>* out) -> Status {
    YAML::Node n = root[key];
    if (!n) return Status::Ok();
    if (!n.IsMap()) return f.Error(n, std::string("'") + key + "' must be a map");
    for (const auto& kv : n) (*out)[kv.first.Scalar()] = kv.second.Scalar();
    return Status::Ok();
  };
  GR_RETURN_IF_ERROR(read_map("group_ack", &t->group_ack));
  GR_RETURN_IF_ERROR(read_map("private_ack", &t->private_ack));
  GR_RETURN_IF_ERROR(read_map("intent_labels", &t->intent_labels));
  GR_RETURN_IF_ERROR(read_map("loop", &t->loop));
  for (const char* key : kLoopTemplateKeys)
    if (!t->loop.count(key))
      return f.Error(root["loop"] ? root["loop"] : root, std::string("loop needs a template for '") + key + "'");
  GR_RETURN_IF_ERROR(f.Require(root, "staff_notify", &t->staff_notify));
  GR_RETURN_IF_ERROR(f.Require(root, "urgent_copy", &t->urgent_copy));
  GR_RETURN_IF_ERROR(f.Require(root, "triage_notify", &t->triage_notify));
  if (YAML::Node n = root["sensitive_group_notice"]; n) {
    if (!n.IsScalar() || n.Scalar().empty())
      return f.Error(n, "'sensitive_group_notice' must be a non-empty text");
    if (n.Scalar().find('{') != std::string::npos)
      return f.Error(n, "'sensitive_group_notice' takes no placeholders: it must not name the ticket, the topic or the sender");
    t->sensitive_group_notice = n.Scalar();
  }
  if (YAML::Node w = root["warnings"]; w) {
    GR_RETURN_IF_ERROR(f.CheckKeys(w, {"intents", "fallback", "quiet"}, "warnings"));
    t->warnings_where = f.Where(w);
    if (YAML::Node intents = w["intents"]; intents) {
      if (!intents.IsMap()) return f.Error(intents, "'intents' must map an anti_fraud intent to its warning");
      for (const auto& kv : intents) {
        const std::string intent = kv.first.Scalar();
        if (intent.rfind("anti_fraud.", 0) != 0)
          return f.Error(kv.first, "warnings are for anti_fraud intents, not '" + intent + "'");
        if (!kv.second.IsScalar() || kv.second.Scalar().empty())
          return f.Error(kv.second, "the warning for '" + intent + "' must be a non-empty text");
        t->warnings[intent] = kv.second.Scalar();
      }
    }
    GR_RETURN_IF_ERROR(f.Read(w, "fallback", &t->warning_fallback));
    GR_RETURN_IF_ERROR(f.Read(w, "quiet", &t->warning_quiet));
    // The resident's words never reach the group through a warning: only {intent_label}.
    std::vector<std::pair<YAML::Node, std::string>> texts = {{w["fallback"], t->warning_fallback}};
    if (YAML::Node intents = w["intents"]; intents)
      for (const auto& kv : intents) texts.push_back({kv.second, kv.second.Scalar()});
    for (const auto& [node, text] : texts) {
      std::string rest = text;
      for (size_t at; (at = rest.find("{intent_label}")) != std::string::npos;) rest.erase(at, 14);
      if (rest.find('{') != std::string::npos)
        return f.Error(node, "a warning takes no placeholder but {intent_label}: it never names the sender or her words");
    }
  }
  GR_RETURN_IF_ERROR(f.Read(root, "visit", &t->visit));
  if (YAML::Node b = root["reply_budget"]; b) {
    GR_RETURN_IF_ERROR(f.CheckKeys(b, {"acks", "progress"}, "reply_budget"));
    GR_RETURN_IF_ERROR(f.Read(b, "acks", &t->ack_digest));
    GR_RETURN_IF_ERROR(f.Read(b, "progress", &t->progress_digest));
    // A digest goes to the whole group: it names tickets and quotes staff's notes, never a
    // resident's words, so it takes its own two placeholders and no others.
    auto check = [&](const char* key, const std::string& text, const std::string& count_of) -> Status {
      std::string rest = text;
      for (const std::string& name : {std::string("{count}"), "{" + count_of + "}"})
        for (size_t at; (at = rest.find(name)) != std::string::npos;) rest.erase(at, name.size());
      if (text.empty() || rest.find('{') != std::string::npos)
        return f.Error(b[key] ? b[key] : b, std::string("reply_budget '") + key +
                                                "' must be a text with no placeholder but {count} and {" + count_of + "}");
      return Status::Ok();
    };
    GR_RETURN_IF_ERROR(check("acks", t->ack_digest, "tickets"));
    GR_RETURN_IF_ERROR(check("progress", t->progress_digest, "notes"));
  }
  for (const char* category : {"appeal", "legal_aid", "anti_fraud"}) {
    if (!t->group_ack.count(category))
      return f.Error(root["group_ack"] ? root["group_ack"] : root, std::string("group_ack needs a template for '") + category + "'");
  }
  if (YAML::Node s = root["safety"]; s) {
    if (!s.IsSequence()) return f.Error(s, "'safety' must be a list of {intent, text_pattern, text}");
    for (const auto& n : s) {
      SafetyRule rule;
      GR_RETURN_IF_ERROR(f.CheckKeys(n, {"intent", "text_pattern", "text"}, "safety rule"));
      GR_RETURN_IF_ERROR(f.Read(n, "intent", &rule.intent_glob));
      GR_RETURN_IF_ERROR(f.Read(n, "text_pattern", &rule.text_pattern));
      GR_RETURN_IF_ERROR(f.Require(n, "text", &rule.text));
      rule.where = f.Where(n);
      if (!rule.text_pattern.empty()) {
        RE2::Options opt;
        opt.set_log_errors(false);
        RE2 re(rule.text_pattern, opt);
        if (!re.ok()) return f.Error(n["text_pattern"], "bad text_pattern: " + re.error());
      }
      t->safety.push_back(std::move(rule));
    }
  }
  return Status::Ok();
}

// Cross-file checks: every reference points at something that exists.
Status CrossCheck(Config* c) {
  std::set<std::string> channels;
  for (const auto& ch : c->channels) channels.insert(ch.name);
  auto check_notify = [&](const NotifyTarget& n, const std::string& owner) -> Status {
    if (n.channel.empty()) return Status::Ok();
    if (!channels.count(n.channel))
      return Status::InvalidArgument(n.where + ": " + owner + " is notified on channel '" + n.channel + "', which is not in gridrelay.yaml");
    return Status::Ok();
  };
  auto& r = c->routing;
  std::set<std::string> ids;
  for (const auto& m : r.staff) {
    if (!ids.insert(m.id).second) return Status::InvalidArgument(m.where + ": duplicate staff id '" + m.id + "'");
    GR_RETURN_IF_ERROR(check_notify(m.notify, "staff '" + m.id + "'"));
    for (const auto& [ch, _] : m.accounts)
      if (!channels.count(ch)) return Status::InvalidArgument(m.where + ": staff '" + m.id + "' has accounts on unknown channel '" + ch + "'");
  }
  auto check_duty = [&](const OrgUnit& u) -> Status {
    if (!u.duty.empty() && !c->FindStaff(u.duty))
      return Status::InvalidArgument(u.where + ": duty '" + u.duty + "' of '" + u.id + "' is not in staff");
    return Status::Ok();
  };
  GR_RETURN_IF_ERROR(check_duty(r.district));
  for (const auto& s : r.streets) GR_RETURN_IF_ERROR(check_duty(s));
  for (const auto& cm : r.communities) {
    GR_RETURN_IF_ERROR(check_duty(cm));
    if (!c->FindStreet(cm.parent))
      return Status::InvalidArgument(cm.where + ": community '" + cm.id + "' names street '" + cm.parent + "', which is not in streets");
  }
  std::set<std::pair<std::string, std::string>> groups;
  std::set<std::string> grid_ids;
  for (const auto& g : r.grids) {
    if (!grid_ids.insert(g.id).second) return Status::InvalidArgument(g.where + ": duplicate grid id '" + g.id + "'");
    if (!c->FindCommunity(g.community))
      return Status::InvalidArgument(g.where + ": grid '" + g.id + "' names community '" + g.community + "', which is not in communities");
    const StaffMember* w = c->FindStaff(g.worker);
    if (!w) return Status::InvalidArgument(g.worker_where + ": grid '" + g.id + "' names worker '" + g.worker + "', who is not in staff");
    if (w->notify.channel.empty())
      return Status::InvalidArgument(w->where + ": grid worker '" + w->id + "' needs a 'notify' target");
    for (const auto& ref : g.groups) {
      if (!channels.count(ref.channel))
        return Status::InvalidArgument(g.where + ": grid '" + g.id + "' has a group on unknown channel '" + ref.channel + "'");
      if (!groups.insert({ref.channel, ref.group}).second)
        return Status::InvalidArgument(g.where + ": group '" + ref.group + "' on channel '" + ref.channel + "' belongs to two grids");
    }
  }
  for (const auto& t : r.teams) {
    GR_RETURN_IF_ERROR(check_notify(t.notify, "team '" + t.id + "'"));
    for (const auto& m : t.members)
      if (!c->FindStaff(m)) return Status::InvalidArgument(t.where + ": team '" + t.id + "' member '" + m + "' is not in staff");
  }
  for (const auto& [what, to] : r.routes) {
    if (to.rfind("team:", 0) == 0 && !c->FindTeam(to.substr(5)))
      return Status::InvalidArgument(c->dir.string() + "/routing.yaml: route for '" + what + "' names unknown team '" + to.substr(5) + "'");
  }
  GR_RETURN_IF_ERROR(check_notify(r.admin, "admin"));
  return Status::Ok();
}

}  // namespace

StatusOr<Config> LoadConfig(const std::filesystem::path& dir) {
  Config c;
  c.dir = dir;
  auto main = YamlFile::Load(dir / "gridrelay.yaml");
  if (!main.ok()) return main.status();
  GR_RETURN_IF_ERROR(LoadMain(*main, &c));
  auto routing = YamlFile::Load(dir / "routing.yaml");
  if (!routing.ok()) return routing.status();
  GR_RETURN_IF_ERROR(
      LoadRouting(*routing, &c.routing, &c.loop, &c.duplicates, &c.confirm, &c.warnings, &c.reply_budget));
  auto templates = YamlFile::Load(dir / "templates.yaml");
  if (!templates.ok()) return templates.status();
  GR_RETURN_IF_ERROR(LoadTemplates(*templates, &c.templates));
  GR_RETURN_IF_ERROR(CrossCheck(&c));
  return c;
}

Status ParseListen(const std::string& value, std::string* host, int* port) {
  auto colon = value.rfind(':');
  if (colon == std::string::npos || colon == 0)
    return Status::InvalidArgument("listen address '" + value + "' must be HOST:PORT");
  std::string h = value.substr(0, colon);
  if (h.size() > 2 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
  int p = 0;
  try {
    size_t used = 0;
    p = std::stoi(value.substr(colon + 1), &used);
    if (used != value.size() - colon - 1) throw std::invalid_argument("trailing");
  } catch (...) {
    return Status::InvalidArgument("listen address '" + value + "' has a bad port");
  }
  if (p < 0 || p > 65535) return Status::InvalidArgument("listen port must be 0..65535 in '" + value + "'");
  *host = h;
  *port = p;
  return Status::Ok();
}

bool IsLoopbackHost(const std::string& host) {
  return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

std::vector<std::string> ChannelsWithDemoSecrets(const Config& config) {
  std::vector<std::string> out;
  for (const auto& ch : config.channels) {
    std::string dump = ch.settings.dump();
    for (const char* secret : kDemoSecrets) {
      if (dump.find(secret) != std::string::npos) {
        out.push_back(ch.name);
        break;
      }
    }
  }
  return out;
}

const ChannelSpec* Config::FindChannel(const std::string& name) const {
  for (const auto& c : channels) if (c.name == name) return &c;
  return nullptr;
}
const StaffMember* Config::FindStaff(const std::string& id) const {
  for (const auto& s : routing.staff) if (s.id == id) return &s;
  return nullptr;
}
const Grid* Config::FindGrid(const std::string& id) const {
  for (const auto& g : routing.grids) if (g.id == id) return &g;
  return nullptr;
}
const OrgUnit* Config::FindCommunity(const std::string& id) const {
  for (const auto& u : routing.communities) if (u.id == id) return &u;
  return nullptr;
}
const OrgUnit* Config::FindStreet(const std::string& id) const {
  for (const auto& u : routing.streets) if (u.id == id) return &u;
  return nullptr;
}
const Team* Config::FindTeam(const std::string& id) const {
  for (const auto& t : routing.teams) if (t.id == id) return &t;
  return nullptr;
}

}  // namespace gridrelay

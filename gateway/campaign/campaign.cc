// Campaigns: targeting, planning, fan-out and control (see campaign.h).
#include "gateway/campaign/campaign.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>

#include "gateway/config/config.h"
#include "gateway/core/time_units.h"
#include "gateway/dispatch/rate_limiter.h"
#include "gateway/workflow/calendar.h"
#include "util/crypto.h"

namespace gridrelay::campaign {
namespace {

constexpr size_t kMaxTitleBytes = 200;

bool Has(const std::vector<std::string>& list, const std::string& v) {
  return std::find(list.begin(), list.end(), v) != list.end();
}

// Is `grid` inside `scope` (by itself, its community or its street)?
bool GridInScope(const OrgIndex& org, const Grid& grid, const std::optional<TicketScope>& scope) {
  if (!scope) return true;
  if (Has(scope->grids, grid.id) || Has(scope->communities, grid.community)) return true;
  const OrgUnit* community = org.FindCommunity(grid.community);
  return community && Has(scope->streets, community->parent);
}

bool CampaignInScope(const OrgIndex& org, const Campaign& c, const std::optional<TicketScope>& scope) {
  if (!scope) return true;
  const nlohmann::json grids = c.plan.value("grids", nlohmann::json::array());
  if (!grids.is_array() || grids.empty()) return false;
  for (const auto& g : grids) {
    const Grid* grid = g.is_string() ? org.FindGrid(g.get<std::string>()) : nullptr;
    if (!grid || !GridInScope(org, *grid, scope)) return false;
  }
  return true;
}

// A list of ids under `key` of the targets object; InvalidArgument when it is not a list of strings.
Status ReadIds(const nlohmann::json& targets, const char* key, std::vector<std::string>* out) {
  auto it = targets.find(key);
  if (it == targets.end()) return Status::Ok();
  if (!it->is_array()) return Status::InvalidArgument(std::string("targets.") + key + " must be a list of ids");
  for (const auto& v : *it) {
    if (!v.is_string() || v.get<std::string>().empty())
      return Status::InvalidArgument(std::string("targets.") + key + " must be a list of non-empty strings");
    out->push_back(v.get<std::string>());
  }
  return Status::Ok();
}

std::string JoinFirst(const std::vector<std::string>& v, size_t n = 10) {
  std::string out;
  for (size_t i = 0; i < v.size() && i < n; ++i) out += (i ? ", " : "") + v[i];
  if (v.size() > n) out += ", … (" + std::to_string(v.size()) + " in all)";
  return out;
}

std::string China(int64_t micros) { return workflow::FormatChinaTime(micros / kMicrosPerSecond); }

// Maps an offset of active (non-quiet) time from `start` to a wall time, for offsets in
// increasing order: campaign rows keep their spacing and simply wait through quiet hours.
class QuietSkipper {
 public:
  QuietSkipper(int64_t start, const std::vector<DutySpan>& quiet) : quiet_(quiet), wall_(start), active_(0) {}
  // False when quiet hours leave no time in a whole week.
  bool Ok() {
    if (quiet_.empty()) return true;
    for (int i = 0; i < 7 * 24 * 60 + 1; ++i) {
      if (!InSpans(quiet_, wall_ / kMicrosPerSecond)) return true;
      StepMinute(false);
    }
    return false;
  }
  int64_t Map(int64_t offset) {
    if (quiet_.empty()) return wall_ + (offset - active_);
    while (true) {
      if (InSpans(quiet_, wall_ / kMicrosPerSecond)) {
        StepMinute(false);
        continue;
      }
      const int64_t to_boundary = kMicrosPerMinute - (wall_ % kMicrosPerMinute);
      if (offset - active_ < to_boundary) return wall_ + (offset - active_);
      StepMinute(true);
    }
  }

 private:
  void StepMinute(bool active) {
    const int64_t step = kMicrosPerMinute - (wall_ % kMicrosPerMinute);
    wall_ += step;
    if (active) active_ += step;
  }
  const std::vector<DutySpan>& quiet_;
  int64_t wall_;
  int64_t active_;
};

}  // namespace

StatusOr<Targeting> ResolveTargets(const nlohmann::json& targets, const Runtime& rt,
                                   const std::optional<TicketScope>& scope) {
  static const char* kShape =
      "targets must be {\"all\": true} or any of {\"streets\": [...], \"communities\": [...], \"grids\": [...], "
      "\"tags\": [...]}";
  if (!targets.is_object()) return Status::InvalidArgument(kShape);
  const OrgIndex& org = rt.router->org();
  const Routing& routing = rt.config.routing;
  bool all = false;
  std::vector<std::string> streets, communities, grids, tags;
  for (const auto& [key, value] : targets.items()) {
    if (key == "all") {
      if (!value.is_boolean()) return Status::InvalidArgument("targets.all must be true or absent");
      all = value.get<bool>();
    } else if (key != "streets" && key != "communities" && key != "grids" && key != "tags") {
      return Status::InvalidArgument("unknown target kind '" + key + "'; " + kShape);
    }
  }
  GR_RETURN_IF_ERROR(ReadIds(targets, "streets", &streets));
  GR_RETURN_IF_ERROR(ReadIds(targets, "communities", &communities));
  GR_RETURN_IF_ERROR(ReadIds(targets, "grids", &grids));
  GR_RETURN_IF_ERROR(ReadIds(targets, "tags", &tags));
  if (!all && streets.empty() && communities.empty() && grids.empty() && tags.empty())
    return Status::InvalidArgument(std::string("targets name no group; ") + kShape);

  std::vector<std::string> unknown;
  for (const auto& id : streets)
    if (!org.FindStreet(id)) unknown.push_back("street " + id);
  for (const auto& id : communities)
    if (!org.FindCommunity(id)) unknown.push_back("community " + id);
  for (const auto& id : grids)
    if (!org.FindGrid(id)) unknown.push_back("grid " + id);
  std::set<std::string> known_tags;
  for (const Grid& g : routing.grids)
    for (const GroupRef& ref : g.groups) known_tags.insert(ref.tags.begin(), ref.tags.end());
  for (const auto& tag : tags)
    if (!known_tags.count(tag)) unknown.push_back("tag " + tag);
  if (!unknown.empty()) return Status::InvalidArgument("unknown targets: " + JoinFirst(unknown));

  // Whole grids selected (all, streets, communities, grids), and single groups selected by tag.
  Targeting out;
  std::set<std::pair<std::string, std::string>> seen;
  std::set<std::string> grids_reached;
  std::vector<std::string> outside;
  auto add_group = [&](const Grid& g, const GroupRef& ref) {
    if (!seen.insert({ref.channel, ref.group}).second) return;
    grids_reached.insert(g.id);
    const Adapter* adapter = rt.FindAdapter(ref.channel);
    if (!adapter) {
      out.skipped.push_back({{"grid", g.id}, {"channel", ref.channel}, {"group", ref.group},
                             {"reason", "channel '" + ref.channel + "' is not configured"}});
      return;
    }
    out.send.push_back({g.id, ref.channel, ref.group});
  };
  for (const Grid& g : routing.grids) {
    const OrgUnit* community = org.FindCommunity(g.community);
    const bool whole = all || Has(grids, g.id) || Has(communities, g.community) ||
                       (community && Has(streets, community->parent));
    const bool in_scope = GridInScope(org, g, scope);
    if (whole) {
      if (!in_scope) {
        // {"all": true} means everything the caller may reach; a named target beyond it is refused.
        if (!all || Has(grids, g.id) || Has(communities, g.community) || (community && Has(streets, community->parent)))
          outside.push_back(g.id);
        continue;
      }
      if (g.groups.empty()) {
        grids_reached.insert(g.id);
        out.skipped.push_back({{"grid", g.id}, {"channel", ""}, {"group", ""}, {"reason", "the grid has no group"}});
      }
      for (const GroupRef& ref : g.groups) add_group(g, ref);
      continue;
    }
    for (const GroupRef& ref : g.groups) {
      bool tagged = false;
      for (const auto& tag : tags) tagged = tagged || Has(ref.tags, tag);
      if (!tagged) continue;
      if (!in_scope) {
        outside.push_back(g.id);
        break;
      }
      add_group(g, ref);
    }
  }
  if (!outside.empty())
    return Status::PermissionDenied("targets outside your scope: grid " + JoinFirst(outside));
  if (out.count() == 0) return Status::InvalidArgument("the targets contain no group");
  out.grids.assign(grids_reached.begin(), grids_reached.end());
  return out;
}

StatusOr<Plan> PlanDeliveries(const Targeting& t, const Runtime& rt, int64_t start, const std::vector<DutySpan>& quiet) {
  const DeliveryOptions& d = rt.config.delivery;
  const double share = d.campaign_share;
  // The campaign buckets, run as the dispatcher runs them: each row reserves the next slot of
  // its destination's and the global campaign bucket, from `start`, in active time.
  RateLimiter limiter;
  const RateLimit global = ShareOf(GlobalRateLimit(d.global_per_second), share);
  struct Budget {
    int64_t rows = 0;
    double per_minute = 0;
  };
  std::map<std::string, Budget> budgets;
  Plan p;
  p.start = start;
  std::vector<int64_t> offsets;
  offsets.reserve(t.send.size());
  for (const Target& target : t.send) {
    const Adapter* adapter = rt.FindAdapter(target.channel);
    OutboundMessage m;
    m.channel = target.channel;
    m.audience = Audience::kGroup;
    m.group_id = target.group;
    const std::string key = RateKey(*adapter, m);
    const RateLimit dest = ShareOf(adapter->DestinationRateLimit(), share);
    int64_t slot = limiter.Reserve(CampaignRateKey(key), dest, 0);
    if (dest.per_minute > 0) {
      Budget& b = budgets[key];
      ++b.rows;
      b.per_minute = dest.per_minute;
    }
    if (global.per_minute > 0) {
      slot = std::max(slot, limiter.Reserve(CampaignRateKey(kGlobalRateKey), global, 0));
      Budget& b = budgets["global (delivery.global_per_second)"];
      ++b.rows;
      b.per_minute = global.per_minute;
    }
    offsets.push_back(slot);
  }
  // Rows go in order of their slot; the skipper maps increasing offsets.
  std::vector<size_t> order(offsets.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return offsets[a] < offsets[b]; });
  QuietSkipper skip(start, quiet);
  if (!skip.Ok()) return Status::FailedPrecondition("quiet_hours leave no time to send in a whole week");
  p.due.assign(offsets.size(), start);
  p.finish = start;
  for (size_t i : order) {
    p.due[i] = skip.Map(offsets[i]);
    p.finish = std::max(p.finish, p.due[i]);
  }
  // The budget that takes longest says why the campaign lasts as long as it does.
  std::string binding;
  Budget most;
  for (const auto& [key, b] : budgets) {
    if (binding.empty() || b.rows / b.per_minute > most.rows / most.per_minute) {
      binding = key;
      most = b;
    }
  }
  const int64_t duration_s = (p.finish - start) / kMicrosPerSecond;
  p.json = {{"start", China(start)},
            {"expected_finish", China(p.finish)},
            {"expected_duration_s", duration_s},
            {"campaign_share", share},
            {"spread", p.finish > start},
            {"grids", t.grids}};
  if (binding.empty()) {
    p.json["binding"] = "no rate limit binds: the sending speed decides";
  } else {
    p.json["binding"] = {{"budget", binding}, {"rows", most.rows}, {"per_minute_for_campaigns", most.per_minute}};
  }
  const int64_t max_s = rt.config.campaigns.max_duration_hours * 3600;
  if (duration_s > max_s) {
    char hours[32];
    std::snprintf(hours, sizeof hours, "%.1f", static_cast<double>(duration_s) / 3600);
    return Status::FailedPrecondition(
        "refused: it would take " + std::string(hours) + " h (expected finish " + China(p.finish) + ") at " +
        std::to_string(static_cast<int64_t>(share * 100)) + "% of the budget '" + binding + "' (" +
        std::to_string(most.rows) + " rows at " + std::to_string(static_cast<int64_t>(most.per_minute)) +
        "/min), beyond campaigns.max_duration_hours (" + std::to_string(rt.config.campaigns.max_duration_hours) +
        "); split it or target fewer groups");
  }
  return p;
}

CreateResult Create(Store& store, const Runtime& rt, int64_t now, const Requester& who, const nlohmann::json& body) {
  CreateResult r;
  auto fail = [&](Status s) {
    r.status = std::move(s);
    return r;
  };
  static const char* kShape =
      "body must be {\"title\", \"content\", \"targets\", \"start\"?, \"quiet_hours\"?, \"confirm_targets\"?, "
      "\"client_key\"?}";
  if (!body.is_object()) return fail(Status::InvalidArgument(kShape));
  for (const auto& [key, value] : body.items()) {
    static const std::set<std::string> kKeys = {"title", "content", "targets", "start", "quiet_hours",
                                                "confirm_targets", "client_key"};
    if (!kKeys.count(key)) return fail(Status::InvalidArgument("unknown field '" + key + "'; " + kShape));
  }
  auto text = [&](const char* key) -> std::string {
    auto it = body.find(key);
    return it != body.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  for (const char* key : {"title", "content", "start", "quiet_hours", "client_key"}) {
    auto it = body.find(key);
    if (it != body.end() && !it->is_string()) return fail(Status::InvalidArgument(std::string(key) + " must be a string"));
  }
  const std::string client_key = text("client_key");
  if (client_key.size() > 200) return fail(Status::InvalidArgument("client_key is longer than 200 bytes"));
  const std::string digest = crypto::Sha256Hex(body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  // A retry of a create that was committed answers with the campaign it made, whatever changed
  // in the org or the budgets since; a different request under the same key is refused.
  if (!client_key.empty()) {
    auto existing = store.FindCampaignByClientKey(client_key);
    if (!existing.ok()) return fail(existing.status());
    if (existing->has_value()) {
      if ((*existing)->request_digest != digest)
        return fail(Status::AlreadyExists("client_key '" + client_key + "' was used for campaign " +
                                          std::to_string((*existing)->id) + " with a different request"));
      r.campaign = **existing;
      r.target_count = r.campaign->target_count;
      return r;
    }
  }
  const std::string title = text("title"), content = text("content");
  auto blank = [](const std::string& s) { return s.find_first_not_of(" \t\r\n") == std::string::npos; };
  if (blank(title)) return fail(Status::InvalidArgument("title is empty"));
  if (title.size() > kMaxTitleBytes) return fail(Status::InvalidArgument("title is longer than 200 bytes"));
  if (blank(content)) return fail(Status::InvalidArgument("content is empty"));
  if (!body.contains("targets")) return fail(Status::InvalidArgument("targets are missing; " + std::string(kShape)));

  int64_t start = now;
  if (const std::string s = text("start"); !s.empty()) {
    auto t = workflow::ParseIsoTime(s);
    if (!t.ok()) return fail(Status::InvalidArgument("start: " + t.status().message()));
    if (*t * kMicrosPerSecond < now)
      return fail(Status::InvalidArgument("start " + s + " is in the past (now " + China(now) + ")"));
    start = *t * kMicrosPerSecond;
  }
  std::vector<DutySpan> quiet = rt.config.campaigns.quiet_spans;
  if (body.contains("quiet_hours")) {
    const std::string q = text("quiet_hours");
    quiet.clear();
    if (!q.empty()) {
      auto spans = ParseRota(q);
      if (!spans.ok())
        return fail(Status::InvalidArgument("quiet_hours: " + spans.status().message() +
                                            " (e.g. \"mon-sun 22:00-07:00\", China time; \"\" for none)"));
      quiet = std::move(*spans);
    }
  }
  std::optional<int64_t> confirm;
  if (auto it = body.find("confirm_targets"); it != body.end()) {
    if (!it->is_number_integer() || it->get<int64_t>() < 0)
      return fail(Status::InvalidArgument("confirm_targets must be a non-negative integer (the number of groups)"));
    confirm = it->get<int64_t>();
  }

  auto targeting = ResolveTargets(body["targets"], rt, who.scope);
  if (!targeting.ok()) return fail(targeting.status());
  r.target_count = targeting->count();
  if (targeting->send.empty()) return fail(Status::InvalidArgument("no channel reaches any of the targeted groups"));
  // Content longer than a platform takes would be cut (or refused) group by group: refuse it
  // whole instead, naming the channel.
  std::set<std::string> checked;
  for (const Target& t : targeting->send) {
    if (!checked.insert(t.channel).second) continue;
    const size_t limit = rt.FindAdapter(t.channel)->MaxTextBytes();
    if (limit > 0 && content.size() > limit)
      return fail(Status::InvalidArgument("content is " + std::to_string(content.size()) + " bytes; channel '" +
                                          t.channel + "' takes at most " + std::to_string(limit)));
  }
  const int64_t n = *r.target_count;
  if (confirm && *confirm != n)
    return fail(Status::FailedPrecondition("confirm_targets is " + std::to_string(*confirm) + " but the targets hold " +
                                           std::to_string(n) + " groups"));
  if (!confirm && n > rt.config.campaigns.confirm_over)
    return fail(Status::FailedPrecondition(std::to_string(n) + " groups is more than campaigns.confirm_over (" +
                                           std::to_string(rt.config.campaigns.confirm_over) +
                                           "): repeat the request with \"confirm_targets\": " + std::to_string(n)));

  auto plan = PlanDeliveries(*targeting, rt, start, quiet);
  if (!plan.ok()) return fail(plan.status());

  auto id = store.ReserveCampaignId();
  if (!id.ok()) return fail(id.status());
  ChangeSet change;
  Campaign c;
  c.id = *id;
  c.client_key = client_key;
  c.request_digest = digest;
  c.title = title;
  c.content = content;
  c.targets = body["targets"];
  c.created_by = who.id;
  c.created_at = now;
  c.start_at = start;
  c.expected_finish_at = plan->finish;
  c.target_count = n;
  c.skipped = targeting->skipped;
  c.plan = plan->json;
  change.new_campaigns.push_back(c);
  change.outbox.reserve(targeting->send.size());
  for (size_t i = 0; i < targeting->send.size(); ++i) {
    const Target& t = targeting->send[i];
    OutboxEntry e;
    e.message.idempotency_key = "c" + std::to_string(c.id) + ":" + t.channel + ":" + t.group;
    e.message.channel = t.channel;
    e.message.kind = outbound_kind::kBroadcast;
    e.message.audience = Audience::kGroup;
    e.message.group_id = t.group;
    e.message.text = content;
    e.priority = priority::kBulk;
    e.rate_key = RateKey(*rt.FindAdapter(t.channel), e.message);
    e.next_attempt_at = plan->due[i];
    e.campaign_id = c.id;
    change.outbox.push_back(std::move(e));
  }
  Status applied = store.Apply(change, now);
  if (applied.code() == StatusCode::kAborted && !client_key.empty()) {
    // Another request with this client key won the race: answer with its campaign.
    auto existing = store.FindCampaignByClientKey(client_key);
    if (existing.ok() && existing->has_value() && (*existing)->request_digest == digest) {
      r.campaign = **existing;
      return r;
    }
  }
  if (!applied.ok()) return fail(applied);
  r.created = true;
  auto stored = store.GetCampaign(c.id);
  if (!stored.ok()) return fail(stored.status());
  r.campaign = stored->value_or(c);
  return r;
}

StatusOr<Action> ParseAction(std::string_view name) {
  if (name == "pause") return Action::kPause;
  if (name == "resume") return Action::kResume;
  if (name == "cancel") return Action::kCancel;
  return Status::InvalidArgument("unknown campaign action '" + std::string(name) + "' (pause, resume or cancel)");
}

StatusOr<Campaign> Get(Store& store, const Runtime& rt, const Requester& who, int64_t id) {
  auto c = store.GetCampaign(id);
  if (!c.ok()) return c.status();
  if (!c->has_value() || !CampaignInScope(rt.router->org(), **c, who.scope))
    return Status::NotFound("no campaign " + std::to_string(id));
  return **c;
}

StatusOr<std::vector<Campaign>> List(Store& store, const Runtime& rt, const Requester& who, int64_t before_id,
                                     int limit) {
  auto all = store.ListCampaigns(before_id, limit);
  if (!all.ok()) return all.status();
  std::vector<Campaign> out;
  for (Campaign& c : *all)
    if (CampaignInScope(rt.router->org(), c, who.scope)) out.push_back(std::move(c));
  return out;
}

StatusOr<Campaign> Control(Store& store, const Runtime& rt, int64_t now, const Requester& who, int64_t id,
                           Action action) {
  auto c = Get(store, rt, who, id);
  if (!c.ok()) return c.status();
  auto counts = store.CountCampaignRows(id);
  if (!counts.ok()) return counts.status();
  const std::string name = "campaign " + std::to_string(id);
  if (c->state == CampaignState::kCancelled) return Status::FailedPrecondition(name + " is cancelled");
  if (counts->pending + counts->held == 0)
    return Status::FailedPrecondition(name + " is completed: every group has its final state");
  CampaignUpdate u;
  u.id = id;
  switch (action) {
    case Action::kPause:
      u.expected = {CampaignState::kRunning};
      u.state = CampaignState::kPaused;
      break;
    case Action::kResume:
      u.expected = {CampaignState::kPaused};
      u.state = CampaignState::kRunning;
      u.resume_at = now;
      break;
    case Action::kCancel:
      u.expected = {CampaignState::kRunning, CampaignState::kPaused};
      u.state = CampaignState::kCancelled;
      break;
  }
  ChangeSet change;
  change.campaign_updates.push_back(u);
  Status s = store.Apply(change, now);
  if (s.code() == StatusCode::kAborted)
    return Status::FailedPrecondition(name + " is " + std::string(Name(c->state)) + ", not " +
                                      (action == Action::kResume ? "paused" : "running"));
  if (!s.ok()) return s;
  return Get(store, rt, who, id);
}

StatusOr<nlohmann::json> Describe(Store& store, const Runtime& rt, const Campaign& c, int64_t now, bool per_group) {
  auto counts = store.CountCampaignRows(c.id);
  if (!counts.ok()) return counts.status();
  const int64_t queued = counts->pending + counts->held;
  const int64_t skipped = static_cast<int64_t>(c.skipped.size());
  std::string status;
  if (c.state == CampaignState::kCancelled) {
    status = "cancelled";
  } else if (queued == 0) {
    status = "completed";  // every target is final: sent, failed with a reason, or skipped
  } else if (c.state == CampaignState::kPaused) {
    status = "paused";
  } else {
    status = now < c.start_at && counts->sent == 0 ? "scheduled" : "running";
  }
  nlohmann::json j = {{"id", c.id},
                      {"title", c.title},
                      {"content", c.content},
                      {"targets", c.targets},
                      {"status", status},
                      {"created_by", c.created_by},
                      {"created_at", China(c.created_at)},
                      {"start", China(c.start_at)},
                      {"expected_finish", China(c.expected_finish_at)},
                      {"target_count", c.target_count},
                      {"queued", queued},
                      {"paused_rows", counts->held},
                      {"sent", counts->sent},
                      {"failed", counts->dead},
                      {"cancelled", counts->cancelled},
                      {"skipped", skipped},
                      {"plan", c.plan}};
  if (!c.client_key.empty()) j["client_key"] = c.client_key;
  const bool finished = status == "completed" || status == "cancelled";
  if (!per_group && !finished) return j;
  auto rows = store.CampaignDeliveries(c.id);
  if (!rows.ok()) return rows.status();
  const OrgIndex& org = rt.router->org();
  nlohmann::json groups = nlohmann::json::array(), never = nlohmann::json::array();
  for (const CampaignDelivery& d : *rows) {
    const Grid* grid = org.GridForGroup(d.channel, d.group_id);
    std::string state;
    switch (d.status) {
      case OutboxStatus::kPending: state = "queued"; break;
      case OutboxStatus::kHeld: state = "paused"; break;
      case OutboxStatus::kSent: state = "sent"; break;
      case OutboxStatus::kDead: state = "failed"; break;
      case OutboxStatus::kCancelled: state = "cancelled"; break;
      case OutboxStatus::kBatched:  // the reply budget's statuses: never a campaign row's
      case OutboxStatus::kMerged: state = std::string(Name(d.status)); break;
    }
    nlohmann::json g = {{"grid", grid ? grid->id : ""}, {"channel", d.channel}, {"group", d.group_id},
                        {"status", state}, {"attempts", d.attempts}};
    if (d.status == OutboxStatus::kSent) g["sent_at"] = China(d.sent_at);
    if (d.status == OutboxStatus::kDead || d.status == OutboxStatus::kCancelled) g["reason"] = d.last_error;
    if (d.status == OutboxStatus::kDead || d.status == OutboxStatus::kCancelled) never.push_back(g);
    if (per_group) groups.push_back(std::move(g));
  }
  for (const auto& s : c.skipped) {
    nlohmann::json g = s;
    g["status"] = "skipped";
    never.push_back(g);
    if (per_group) groups.push_back(std::move(g));
  }
  if (per_group) j["groups"] = std::move(groups);
  if (finished) j["never_received"] = std::move(never);
  return j;
}

}  // namespace gridrelay::campaign

// gridrelay: the command line. Parses flags and calls the library; no logic of its own.
//
//   gridrelay serve         [--config DIR] [--listen HOST:PORT] [--data DIR]
//   gridrelay classify      [--config DIR]            < lines          (JSON Lines or plain text)
//   gridrelay check-config  [--config DIR]
//   gridrelay eval          [--config DIR] --data FILE.jsonl... [--errors] [--json]
//   gridrelay train         [--config DIR] --data FILE.jsonl...
//   gridrelay token create  --name NAME --role ROLE [--scope KIND:ID[,...]] [--config DIR] [--data DIR]
//   gridrelay token list    [--config DIR] [--data DIR]
//   gridrelay token revoke  --name NAME [--config DIR] [--data DIR]
//   gridrelay simulate TYPE --channel NAME --group G --text "..." [--sender ID] [--url URL]
//   gridrelay deadline      --from ISO8601 (--working-hours H | --calendar-hours H) [--config DIR]
//   gridrelay report        [--from DATE] [--to DATE] [--group-by grid|community|team|intent] [--json]
//                           [--config DIR] [--data DIR]
//   gridrelay corrections export [--since DATE] [--config DIR] [--data DIR]   (labelled JSON Lines)
//   gridrelay campaign create --title T (--content TEXT | --content-file F) --targets JSON [--start ISO8601]
//                             [--quiet-hours ROTA] [--confirm N] [--client-key K] [--config DIR] [--data DIR]
//   gridrelay campaign status|pause|resume|cancel ID [--groups] [--config DIR] [--data DIR]
//   gridrelay version
#include <pthread.h>
#include <signal.h>

#include <ctime>
#include <fstream>
#include <iostream>
#include <iterator>
#include <thread>

#include <CLI/CLI.hpp>

#include "util/crypto.h"
#include "gateway/campaign/campaign.h"
#include "gateway/core/time_units.h"
#include "gateway/gateway.h"
#include "gateway/corrections_command.h"
#include "gateway/route/replies.h"
#include "gateway/report_command.h"
#include "util/http_client.h"
#include "util/log.h"
#include "gateway/store/open_store.h"
#include "gateway/workflow/actor.h"
#include "gateway/workflow/deadline_command.h"
#include "intents/commands.h"
#include "intents/taxonomy.h"

namespace gridrelay {
namespace {

constexpr const char* kVersion = "0.1.0";

int Fail(const Status& s) {
  std::cerr << "error: " << s.message() << "\n";
  return 1;
}

int Serve(const std::string& config_dir, const ConfigOverrides& overrides) {
  // Signals are taken by one thread with sigwait; every other thread inherits the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  GatewayOptions options;
  options.config_dir = config_dir;
  options.overrides = overrides;
  auto gateway = Gateway::Create(options);
  if (!gateway.ok()) return Fail(gateway.status());
  Gateway& g = **gateway;
  if (Status s = g.Start(); !s.ok()) return Fail(s);
  std::thread waiter([&] {
    while (true) {
      int sig = 0;
      if (sigwait(&signals, &sig) != 0) continue;
      if (sig == SIGHUP) {
        (void)g.Reload();  // logs its outcome; the running config stays on error
        continue;
      }
      Log("info", "signal received", {{"signal", sig == SIGTERM ? "SIGTERM" : "SIGINT"}});
      g.Stop();
      return;
    }
  });
  g.Wait();
  waiter.join();
  return 0;
}

// The runtime a one-shot command needs (adapters built, intents compiled), without a server.
StatusOr<std::shared_ptr<const Runtime>> CommandRuntime(const std::string& config_dir) {
  static HttplibClient http;
  AdapterEnv env{&http, &SystemClock::Get(), JsonLogger()};
  return BuildRuntime(config_dir, {}, BuiltinAdapters(), env);
}

int CheckConfig(const std::string& config_dir) {
  auto rt = CommandRuntime(config_dir);
  if (!rt.ok()) return Fail(rt.status());
  Status s = intents::RunCheck(config_dir, std::cout);
  if (!s.ok()) return Fail(s);
  s = workflow::CheckWorkflowConfig(config_dir, intents::kTaxonomyIntents, SystemClock::Get().NowSeconds(), std::cout);
  if (!s.ok()) return Fail(s);
  std::vector<std::string> warnings;
  s = CheckWarningTemplates((*rt)->config.templates, intents::kTaxonomyIntents, &warnings);
  if (!s.ok()) return Fail(s);
  for (const std::string& w : warnings) std::cout << "warning: " << w << "\n";
  std::cout << "ok\n";
  return 0;
}

// The store a token command works on: the config's data directory, or `data_dir`.
StatusOr<std::unique_ptr<Store>> CommandStore(const Config& config, const std::string& data_dir) {
  return OpenStore("sqlite:" +
                   (std::filesystem::path(data_dir.empty() ? config.store.data_dir : data_dir) / "gridrelay.db").string());
}

// Checks the grant against the config's org, stores the token's hash and prints the token once.
int CreateToken(const std::string& config_dir, const std::string& data_dir, const std::string& name,
                const std::string& role, const std::string& scope) {
  auto config = LoadConfig(config_dir);
  if (!config.ok()) return Fail(config.status());
  const OrgIndex org(config->routing);
  if (Status s = workflow::CheckTokenGrant(org, role, scope); !s.ok()) return Fail(s);
  auto store = CommandStore(*config, data_dir);
  if (!store.ok()) return Fail(store.status());
  const std::string token = "grt_" + crypto::HexEncode(crypto::RandomBytes(24));
  Status s = (*store)->CreateToken(ApiToken{.name = name, .role = role, .scope = scope}, crypto::Sha256Hex(token),
                                    SystemClock::Get().NowMicros());
  if (!s.ok()) return Fail(s);
  std::cout << "created token '" << name << "' with role " << role << (scope.empty() ? "" : " and scope " + scope)
            << ". It is shown once; only its hash is stored:\n"
            << token << "\n";
  return 0;
}

std::string UtcTime(int64_t micros) {
  if (micros <= 0) return "-";
  const std::time_t secs = static_cast<std::time_t>(micros / kMicrosPerSecond);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// One line per token, oldest first: name, role, scope, created, revoked. Never a hash.
int ListTokens(const std::string& config_dir, const std::string& data_dir) {
  auto config = LoadConfig(config_dir);
  if (!config.ok()) return Fail(config.status());
  auto store = CommandStore(*config, data_dir);
  if (!store.ok()) return Fail(store.status());
  auto tokens = (*store)->ListTokens();
  if (!tokens.ok()) return Fail(tokens.status());
  std::cout << "name\trole\tscope\tcreated\trevoked\n";
  for (const ApiToken& t : *tokens)
    std::cout << t.name << "\t" << t.role << "\t" << (t.scope.empty() ? "-" : t.scope) << "\t" << UtcTime(t.created_at)
              << "\t" << UtcTime(t.revoked_at) << "\n";
  return 0;
}

int RevokeToken(const std::string& config_dir, const std::string& data_dir, const std::string& name) {
  auto config = LoadConfig(config_dir);
  if (!config.ok()) return Fail(config.status());
  auto store = CommandStore(*config, data_dir);
  if (!store.ok()) return Fail(store.status());
  if (Status s = (*store)->RevokeToken(name, SystemClock::Get().NowMicros()); !s.ok()) return Fail(s);
  std::cout << "revoked token '" << name << "'\n";
  return 0;
}

int Simulate(const std::string& config_dir, const std::string& type, const std::string& channel,
             const std::string& group, const std::string& sender, const std::string& text, const std::string& url) {
  auto rt = CommandRuntime(config_dir);
  if (!rt.ok()) return Fail(rt.status());
  const Adapter* adapter = (*rt)->FindAdapter(channel);
  if (!adapter) return Fail(Status::NotFound("no channel '" + channel + "' in " + config_dir));
  if (adapter->type() != type)
    return Fail(Status::InvalidArgument("channel '" + channel + "' is of type " + std::string(adapter->type())));
  SimulatedMessage sim;
  sim.group_id = group;
  sim.sender_id = sender;
  sim.sender_name = "模拟居民";
  sim.text = text;
  sim.msg_id = std::to_string(SystemClock::Get().NowMicros());
  sim.now_seconds = SystemClock::Get().NowSeconds();
  auto req = adapter->BuildCallback(sim);
  if (!req.ok()) return Fail(req.status());
  std::string path = "/webhook/" + type + "/" + channel;
  char sep = '?';
  for (const auto& [k, v] : req->query) {
    path += sep + crypto::UrlEncode(k) + "=" + crypto::UrlEncode(v);
    sep = '&';
  }
  HttpRequest http;
  http.method = req->method;
  http.url = url + path;
  http.timeout_ms = 10000;
  for (const auto& [k, v] : req->headers) {
    if (k == "content-type") {
      http.content_type = v;
    } else {
      http.headers.emplace_back(k, v);
    }
  }
  http.body = req->body;
  HttplibClient client;
  auto res = client.Do(http);
  if (!res.ok()) return Fail(res.status());
  std::cout << "HTTP " << res->status << "\n" << res->body << "\n";
  return res->status == 200 || res->status == 204 ? 0 : 1;
}

// `gridrelay campaign ...`: the API's campaign calls run on the config's store as an operator
// (admin: no scope). A running gateway picks the rows up on its next pass (within a second).
struct CampaignArgs {
  std::string data_dir;
  std::string title, content, content_file, targets, start, quiet_hours, client_key;
  bool quiet_hours_set = false;
  int64_t confirm = -1;
  int64_t id = 0;
  bool groups = false;
};

int RunCampaign(const std::string& config_dir, const std::string& verb, const CampaignArgs& a) {
  auto rt = CommandRuntime(config_dir);
  if (!rt.ok()) return Fail(rt.status());
  auto store = CommandStore((*rt)->config, a.data_dir);
  if (!store.ok()) return Fail(store.status());
  const campaign::Requester operator_cli{"cli", std::nullopt};
  const int64_t now = SystemClock::Get().NowMicros();
  auto print = [&](const Campaign& c) {
    auto j = campaign::Describe(**store, **rt, c, now, a.groups);
    if (!j.ok()) return Fail(j.status());
    std::cout << j->dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
    return 0;
  };
  if (verb == "create") {
    nlohmann::json body = {{"title", a.title}};
    std::string content = a.content;
    if (!a.content_file.empty()) {
      std::ifstream in(a.content_file, std::ios::binary);
      if (!in) return Fail(Status::NotFound("cannot read " + a.content_file));
      content.assign(std::istreambuf_iterator<char>(in), {});
    }
    body["content"] = content;
    body["targets"] = nlohmann::json::parse(a.targets, nullptr, false);
    if (body["targets"].is_discarded()) return Fail(Status::InvalidArgument("--targets is not JSON: " + a.targets));
    if (!a.start.empty()) body["start"] = a.start;
    if (a.quiet_hours_set) body["quiet_hours"] = a.quiet_hours;
    if (a.confirm >= 0) body["confirm_targets"] = a.confirm;
    if (!a.client_key.empty()) body["client_key"] = a.client_key;
    campaign::CreateResult r = campaign::Create(**store, **rt, now, operator_cli, body);
    if (!r.status.ok()) {
      if (r.target_count) std::cerr << "target_count: " << *r.target_count << "\n";
      return Fail(r.status);
    }
    if (!r.created) std::cerr << "client key already used: this is campaign " << r.campaign->id << "\n";
    return print(*r.campaign);
  }
  if (verb == "status") {
    auto c = campaign::Get(**store, **rt, operator_cli, a.id);
    return c.ok() ? print(*c) : Fail(c.status());
  }
  auto action = campaign::ParseAction(verb);
  if (!action.ok()) return Fail(action.status());
  auto c = campaign::Control(**store, **rt, now, operator_cli, a.id, *action);
  return c.ok() ? print(*c) : Fail(c.status());
}

}  // namespace
}  // namespace gridrelay

int main(int argc, char** argv) {
  using namespace gridrelay;
  CLI::App app{"gridrelay: webhook gateway for neighbourhood grid groups"};
  app.require_subcommand(1);
  std::string config_dir = "config";

  auto* serve = app.add_subcommand("serve", "run the gateway");
  ConfigOverrides overrides;
  serve->add_option("--config", config_dir, "config directory")->capture_default_str();
  serve->add_option("--listen", overrides.listen, "HOST:PORT (overrides server.listen)");
  serve->add_option("--data", overrides.data_dir, "data directory (overrides store.data_dir)");

  auto* classify = app.add_subcommand("classify", "classify lines from stdin (JSON Lines or plain text)");
  classify->add_option("--config", config_dir, "config directory")->capture_default_str();

  auto* check = app.add_subcommand("check-config", "validate every config file, run the intents' examples");
  check->add_option("--config", config_dir, "config directory")->capture_default_str();

  std::vector<std::string> data_files;
  bool show_errors = false, as_json = false;
  auto* eval = app.add_subcommand("eval", "score the classifier on labelled JSON Lines");
  eval->add_option("--config", config_dir, "config directory")->capture_default_str();
  eval->add_option("--data", data_files, "labelled JSONL file(s)")->required();
  eval->add_flag("--errors", show_errors, "list misclassified lines");
  eval->add_flag("--json", as_json, "print the report as JSON");

  auto* train = app.add_subcommand("train", "train the n-gram model into config/models/");
  train->add_option("--config", config_dir, "config directory")->capture_default_str();
  train->add_option("--data", data_files, "labelled JSONL file(s)")->required();
  intents::TrainOptions train_options;
  train->add_option("--kind", train_options.kind, "logreg (default) or naive_bayes")->capture_default_str();
  train->add_option("--l2", train_options.l2, "logreg: L2 strength")->capture_default_str();
  train->add_option("--epochs", train_options.epochs, "logreg: passes over the data")->capture_default_str();

  auto* token = app.add_subcommand("token", "manage API tokens");
  token->require_subcommand(1);
  auto* token_create = token->add_subcommand("create", "create a token; prints it once, on the last line");
  auto* token_list = token->add_subcommand("list", "list tokens: name, role, scope, created, revoked");
  auto* token_revoke = token->add_subcommand("revoke", "revoke a token by name");
  std::string token_name, token_role = "admin", token_scope, token_data;
  for (auto* sub : {token_create, token_list, token_revoke}) {
    sub->add_option("--config", config_dir, "config directory")->capture_default_str();
    sub->add_option("--data", token_data, "data directory (overrides store.data_dir)");
  }
  token_create->add_option("--name", token_name, "who the token is for (a staff id acts as her)")->required();
  token_create->add_option("--role", token_role, "worker | team_member | supervisor | organiser | admin")
      ->capture_default_str();
  token_create->add_option("--scope", token_scope,
                           "KIND:ID[,...], KIND grid|community|street|district|team|staff (all roles but admin)");
  token_revoke->add_option("--name", token_name, "the token's name")->required();

  auto* simulate = app.add_subcommand("simulate", "post a correctly signed platform callback to a running gateway");
  std::string sim_type, sim_channel, sim_group, sim_text, sim_sender = "sim-resident", sim_url = "http://127.0.0.1:8080";
  simulate->add_option("type", sim_type, "wecom | onebot | feishu | dingtalk | generic")->required();
  simulate->add_option("--config", config_dir, "config directory")->capture_default_str();
  simulate->add_option("--channel", sim_channel, "configured channel name")->required();
  simulate->add_option("--group", sim_group, "group id (empty: a private message)");
  simulate->add_option("--sender", sim_sender, "sender's platform id")->capture_default_str();
  simulate->add_option("--text", sim_text, "message text")->required();
  simulate->add_option("--url", sim_url, "gateway base URL")->capture_default_str();

  auto* deadline = app.add_subcommand("deadline", "when is it due? working time on config/calendar.yaml");
  workflow::DeadlineArgs deadline_args;
  deadline->add_option("--config", config_dir, "config directory")->capture_default_str();
  deadline->add_option("--from", deadline_args.from, "start, e.g. 2026-10-09T17:00:00+08:00")->required();
  auto* working = deadline->add_option("--working-hours", deadline_args.working_hours, "working hours to add");
  deadline->add_option("--calendar-hours", deadline_args.calendar_hours, "calendar hours to add")->excludes(working);

  auto* report = app.add_subcommand("report", "ticket figures per grid, community, team or intent (GET /api/v1/stats)");
  ReportArgs report_args;
  std::string report_data;
  report->add_option("--config", config_dir, "config directory")->capture_default_str();
  report->add_option("--data", report_data, "data directory (overrides store.data_dir)");
  report->add_option("--from", report_args.from, "first day (2026-11-01) or instant (RFC 3339); default: 30 days ago");
  report->add_option("--to", report_args.to, "last day (2026-11-30, included) or instant (excluded); default: now");
  report->add_option("--group-by", report_args.group_by, "grid | community | team | intent")->capture_default_str();
  report->add_flag("--json", report_args.json, "print the API's JSON");

  auto* campaign_cmd = app.add_subcommand("campaign", "create, watch and control campaigns (POST /api/v1/campaigns)");
  campaign_cmd->require_subcommand(1);
  CampaignArgs campaign_args;
  std::vector<CLI::App*> campaign_verbs;
  auto* campaign_create = campaign_cmd->add_subcommand("create", "send one notice to many groups");
  campaign_verbs.push_back(campaign_create);
  campaign_create->add_option("--title", campaign_args.title, "title")->required();
  auto* content_opt = campaign_create->add_option("--content", campaign_args.content, "the text sent");
  campaign_create->add_option("--content-file", campaign_args.content_file, "read the text from a file")
      ->excludes(content_opt);
  campaign_create->add_option("--targets", campaign_args.targets,
                              R"({"all":true} or {"streets":[..],"communities":[..],"grids":[..],"tags":[..]})")
      ->required();
  campaign_create->add_option("--start", campaign_args.start, "scheduled start, RFC 3339 (default: now)");
  campaign_create->add_option("--quiet-hours", campaign_args.quiet_hours, R"(e.g. "mon-sun 22:00-07:00"; "" for none)")
      ->each([&](const std::string&) { campaign_args.quiet_hours_set = true; });
  campaign_create->add_option("--confirm", campaign_args.confirm, "the number of groups, when over campaigns.confirm_over");
  campaign_create->add_option("--client-key", campaign_args.client_key, "a retry with the same key returns the same campaign");
  for (const char* verb : {"status", "pause", "resume", "cancel"}) {
    auto* sub = campaign_cmd->add_subcommand(verb, std::string(verb) + " a campaign");
    sub->add_option("id", campaign_args.id, "campaign id")->required();
    if (std::string_view(verb) == "status") sub->add_flag("--groups", campaign_args.groups, "every group's state");
    campaign_verbs.push_back(sub);
  }
  for (auto* sub : campaign_verbs) {
    sub->add_option("--config", config_dir, "config directory")->capture_default_str();
    sub->add_option("--data", campaign_args.data_dir, "data directory (overrides store.data_dir)");
  }

  auto* corrections = app.add_subcommand("corrections", "the classifier's corrections by staff (confirm, 改类, 忽略)");
  corrections->require_subcommand(1);
  auto* corrections_export =
      corrections->add_subcommand("export", "write them as labelled JSON Lines (training format), numbers masked");
  std::string corrections_since, corrections_data;
  corrections_export->add_option("--config", config_dir, "config directory")->capture_default_str();
  corrections_export->add_option("--data", corrections_data, "data directory (overrides store.data_dir)");
  corrections_export->add_option("--since", corrections_since, "first day (2026-11-01, China time) or instant (RFC 3339); default: all");
  auto* version = app.add_subcommand("version", "print the version");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    // Every malformed `deadline` argument is a usage error (exit 2), like a malformed --from.
    return code != 0 && argc > 1 && std::string_view(argv[1]) == "deadline" ? workflow::kExitUsage : code;
  }

  auto paths = [&] { return std::vector<std::filesystem::path>(data_files.begin(), data_files.end()); };
  if (*serve) return Serve(config_dir, overrides);
  if (*classify) {
    Status s = intents::RunClassify(config_dir, std::cin, std::cout);
    return s.ok() ? 0 : Fail(s);
  }
  if (*check) return CheckConfig(config_dir);
  if (*eval) {
    Status s = intents::RunEval(config_dir, paths(), show_errors, std::cout, as_json);
    return s.ok() ? 0 : Fail(s);
  }
  if (*train) {
    Status s = intents::RunTrain(config_dir, paths(), std::cout, train_options);
    return s.ok() ? 0 : Fail(s);
  }
  if (*token_create) return CreateToken(config_dir, token_data, token_name, token_role, token_scope);
  if (*token_list) return ListTokens(config_dir, token_data);
  if (*token_revoke) return RevokeToken(config_dir, token_data, token_name);
  if (*simulate) return Simulate(config_dir, sim_type, sim_channel, sim_group, sim_sender, sim_text, sim_url);
  if (*deadline) return workflow::RunDeadline(config_dir, deadline_args, std::cout, std::cerr);
  if (*report) {
    auto config = LoadConfig(config_dir);
    if (!config.ok()) return Fail(config.status());
    auto store = CommandStore(*config, report_data);
    if (!store.ok()) return Fail(store.status());
    auto calendar = workflow::Calendar::Load(std::filesystem::path(config_dir) / "calendar.yaml");
    if (!calendar.ok()) return Fail(calendar.status());
    return RunReport(**store, report_args, &*calendar, SystemClock::Get().NowMicros(), std::cout, std::cerr);
  }
  for (auto* sub : campaign_verbs)
    if (*sub) return RunCampaign(config_dir, sub->get_name(), campaign_args);
  if (*corrections_export) {
    auto config = LoadConfig(config_dir);
    if (!config.ok()) return Fail(config.status());
    auto store = CommandStore(*config, corrections_data);
    if (!store.ok()) return Fail(store.status());
    return RunCorrectionsExport(**store, corrections_since, std::cout, std::cerr);
  }
  if (*version) {
    std::cout << "gridrelay " << kVersion << "\n";
    return 0;
  }
  return 0;
}

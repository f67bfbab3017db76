// Scaffolding shared by the platform adapter tests: channel specs as the config loader builds
// them, adapters created through the registry, golden fixtures (tests/fixtures/<platform>/*.json
// with "settings", "now", "expect" and the request), a normalised view of a parse result to
// compare with a fixture's "expect", and the seeded mutator the hostile-input tests use.
// Header-only and free of gateway dependencies, so every adapter's unit tests can use it.
#pragma once

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "gateway/core/adapter.h"

namespace gridrelay::testing {

// A channel `name` of `type` declared at gridrelay.yaml:`line`, its settings keys on the
// lines that follow, in the order nlohmann keeps them (sorted).
inline ChannelSpec TestChannelSpec(std::string type, std::string name, int line, nlohmann::json settings) {
  ChannelSpec spec;
  spec.name = std::move(name);
  spec.type = std::move(type);
  spec.file = "gridrelay.yaml";
  spec.line = line;
  int key_line = line + 1;
  if (settings.is_object()) {
    for (auto it = settings.begin(); it != settings.end(); ++it) spec.key_lines[it.key()] = key_line++;
  }
  spec.settings = std::move(settings);
  return spec;
}

inline AdapterEnv TestEnv(HttpClient* http, const Clock* clock = nullptr) {
  AdapterEnv env;
  env.http = http;
  env.clock = clock;
  return env;
}

// Creates an adapter through a registry holding only the platform `register_platform` adds,
// as the gateway does; fails the test case when the settings are refused.
inline std::unique_ptr<Adapter> CreateAdapter(void (*register_platform)(AdapterRegistry&), const ChannelSpec& spec,
                                              const AdapterEnv& env) {
  AdapterRegistry registry;
  register_platform(registry);
  auto adapter = registry.Create(spec, env);
  REQUIRE_MESSAGE(adapter.ok(), adapter.status().ToString());
  return std::move(adapter).value();
}

// Checks that `spec` is refused as the config loader would report it: InvalidArgument,
// starting with `where` ("gridrelay.yaml:12:") and mentioning `mentions`.
inline void CheckRefused(void (*register_platform)(AdapterRegistry&), const ChannelSpec& spec, const std::string& where,
                         const std::string& mentions) {
  AdapterRegistry registry;
  register_platform(registry);
  auto adapter = registry.Create(spec, {});
  REQUIRE_FALSE(adapter.ok());
  CHECK(adapter.status().code() == StatusCode::kInvalidArgument);
  CHECK(adapter.status().message().rfind(where, 0) == 0);
  CHECK(adapter.status().message().find(mentions) != std::string::npos);
}

struct SettingsErrorCase {
  nlohmann::json settings;
  const char* where;     // the start of the message: "gridrelay.yaml:12:"
  const char* mentions;  // a fragment of it
};

// CheckRefused for the channel `spec` builds from each case's settings.
inline void CheckSettingsErrors(void (*register_platform)(AdapterRegistry&), ChannelSpec (*spec)(nlohmann::json),
                                const std::vector<SettingsErrorCase>& cases) {
  for (const SettingsErrorCase& c : cases) {
    CAPTURE(c.settings.dump());
    CheckRefused(register_platform, spec(c.settings), c.where, c.mentions);
  }
}

// What hostile input may lead to: acceptance, or a refusal below 500 (a 5xx would make the
// platform retry a request that can never succeed). Returns whether it was accepted.
inline bool AcceptedOrRefusedBelow500(const StatusOr<ParsedWebhook>& parsed) {
  if (!parsed.ok()) CHECK(HttpStatusFor(parsed.status()) < 500);
  return parsed.ok();
}

// Applies 1-8 seeded random edits (overwrite, delete, duplicate, truncate) to `text`.
inline std::string Mutate(std::string text, std::mt19937& rng) {
  const int edits = 1 + static_cast<int>(rng() % 8);
  for (int e = 0; e < edits && !text.empty(); ++e) {
    const size_t pos = rng() % text.size();
    switch (rng() % 4) {
      case 0: text[pos] = static_cast<char>(rng()); break;
      case 1: text.erase(pos, 1 + rng() % 8); break;
      case 2: text.insert(pos, text.substr(rng() % text.size(), 1 + rng() % 16)); break;
      default: text.resize(pos); break;
    }
  }
  return text;
}

// A parse result as JSON, with the names fixtures use under "expect". reply_body is the
// reply parsed as JSON (null when empty), or the raw text when it is not JSON.
inline nlohmann::json ParsedToJson(const ParsedWebhook& p) {
  using nlohmann::json;
  json j;
  j["kind"] = p.kind == ParsedWebhook::Kind::kMessage ? "message" : p.kind == ParsedWebhook::Kind::kReply ? "reply" : "ignore";
  j["reply_status"] = p.reply.status;
  json reply_body = p.reply.body.empty() ? json() : json::parse(p.reply.body, nullptr, false);
  j["reply_body"] = reply_body.is_discarded() ? json(p.reply.body) : reply_body;
  const InboundMessage& m = p.message;
  j["dedup_key"] = m.dedup_key;
  j["platform_msg_id"] = m.platform_msg_id;
  j["chat_type"] = Name(m.chat_type);
  j["group_id"] = m.group_id;
  j["sender_id"] = m.sender_id;
  j["sender_name"] = m.sender_name;
  j["text"] = m.text;
  j["sent_at"] = m.sent_at;
  j["from_bot"] = m.from_bot;
  j["attachments"] = m.attachments;
  j["reply_context"] = m.reply_context;
  return j;
}

struct Fixture {
  std::string name;  // file name, for CAPTURE
  nlohmann::json data;
};

// The *.json files of `dir`, parsed, in file name order.
inline std::vector<Fixture> LoadFixtures(const std::string& dir) {
  std::vector<Fixture> out;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".json") continue;
    std::ifstream in(entry.path());
    out.push_back({entry.path().filename().string(), nlohmann::json::parse(in)});
  }
  std::sort(out.begin(), out.end(), [](const Fixture& a, const Fixture& b) { return a.name < b.name; });
  return out;
}

// Checks each member of a fixture's "expect" against the same member of `actual`.
inline void CheckExpected(const nlohmann::json& actual, const nlohmann::json& expect) {
  for (const auto& [key_binding, want] : expect.items()) {
    const std::string key = key_binding;  // clang 14 cannot capture a structured binding (CAPTURE)
    CAPTURE(key);
    CHECK(actual[key] == want);
  }
}

}  // namespace gridrelay::testing

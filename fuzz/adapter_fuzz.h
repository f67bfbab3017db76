// The shape of every adapter fuzz target: one channel of the platform, and an input that is
// either a raw request or a plaintext callback the target seals with the channel's credentials.
//
// Input: the first byte chooses the mode (its other bits are the target's to use).
//   even: raw. The rest is "name: value" header lines ("?name=value" lines go to the query), an
//         empty line, then the body, sent as it is: verification, decryption and their error
//         paths see hostile bytes, as from anyone on the internet.
//   odd:  sealed. The rest is the callback's plaintext (JSON or XML), which the target signs
//         and encrypts with the channel's credentials: the parser behind verification sees
//         hostile bytes, as from a compromised or buggy platform.
// Either way ParseWebhook must answer, and a refusal must be below 500 (a 5xx makes the platform
// retry a request that can never succeed; adapters/common/adapter_test_util.h asserts the same on
// seeded mutations). The seed corpora (fuzz/corpus/<target>/) use the ASCII digits '0' and '1'
// as the first byte, so that they stay readable.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "fuzz/fuzz_util.h"
#include "gateway/core/adapter.h"

namespace gridrelay::fuzz {

// The clock every target signs and parses at (inside every freshness window).
inline constexpr int64_t kNow = 1700000000;

struct AdapterInput {
  bool sealed = false;
  uint8_t flags = 0;       // the first byte without the mode bit, for the target's choices
  std::string_view rest;   // after the first byte
};

inline AdapterInput SplitInput(const uint8_t* data, size_t size) {
  AdapterInput in;
  if (size == 0) return in;
  in.sealed = (data[0] & 1) != 0;
  in.flags = static_cast<uint8_t>(data[0] >> 1);
  in.rest = std::string_view(reinterpret_cast<const char*>(data + 1), size - 1);
  return in;
}

// A raw-mode request: header and query lines, an empty line, the body.
inline WebhookRequest RawRequest(std::string_view text) {
  WebhookRequest r;
  r.method = "POST";
  r.remote_addr = "127.0.0.1";
  while (!text.empty()) {
    const size_t eol = text.find('\n');
    const std::string_view line = text.substr(0, eol);
    text = eol == std::string_view::npos ? std::string_view() : text.substr(eol + 1);
    if (line.empty()) break;
    if (line[0] == '?') {
      const size_t eq = line.find('=');
      if (eq != std::string_view::npos) r.query[std::string(line.substr(1, eq - 1))] = std::string(line.substr(eq + 1));
    } else {
      const size_t colon = line.find(':');
      if (colon == std::string_view::npos) continue;
      std::string value(line.substr(colon + 1));
      if (!value.empty() && value[0] == ' ') value.erase(0, 1);
      r.headers[std::string(line.substr(0, colon))] = std::move(value);
    }
  }
  r.body = std::string(text);
  return r;
}

// One adapter of `type` with `settings`, made through a registry as the gateway makes it.
inline std::unique_ptr<Adapter> MakeAdapter(void (*register_platform)(AdapterRegistry&), const std::string& type,
                                            nlohmann::json settings) {
  AdapterRegistry registry;
  register_platform(registry);
  ChannelSpec spec;
  spec.name = type + "-fuzz";
  spec.type = type;
  spec.file = "gridrelay.yaml";
  spec.settings = std::move(settings);
  return std::move(Must(registry.Create(spec, AdapterEnv{}), "adapter settings")).value();
}

// Parses `request` and checks what every adapter promises about any input.
inline void ParseAndCheck(const Adapter& adapter, const WebhookRequest& request) {
  const StatusOr<ParsedWebhook> parsed = adapter.ParseWebhook(request, kNow);
  if (!parsed.ok()) {
    Check(HttpStatusFor(parsed.status()) < 500, "a refusal answers 5xx: " + parsed.status().ToString());
    return;
  }
  if (parsed->kind == ParsedWebhook::Kind::kMessage) {
    Check(!parsed->message.dedup_key.empty(), "a message without a dedup key");
    // What is acknowledged must be renderable too.
    (void)adapter.Acknowledge(parsed->message, AckInfo{});
  }
}

}  // namespace gridrelay::fuzz

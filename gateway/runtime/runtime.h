// Runtime: everything built from the config directory that a reload replaces at once: the
// config, the router, one adapter per channel, the intent engine, the working calendar and
// the deadline table. Immutable once built;
// readers hold a shared_ptr, so a reload never changes anything under a request in flight.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "gateway/config/config.h"
#include "gateway/core/adapter.h"
#include "gateway/core/http_client.h"
#include "gateway/route/router.h"
#include "gateway/workflow/calendar.h"
#include "gateway/workflow/deadlines.h"
#include "intents/intent_engine.h"

namespace gridrelay {

struct Runtime {
  Config config;
  std::unique_ptr<Router> router;  // refers to `config`
  // The HTTP clients of channels with their own ca_file; declared before the adapters that use them.
  std::vector<std::unique_ptr<HttpClient>> channel_http;
  std::map<std::string, std::unique_ptr<Adapter>> adapters;
  std::shared_ptr<const intents::IntentEngine> engine;
  // calendar.yaml and deadlines.yaml: every ticket's response and resolution due times.
  std::shared_ptr<const workflow::Calendar> calendar;
  std::shared_ptr<const workflow::DeadlineTable> deadlines;

  const Adapter* FindAdapter(const std::string& channel) const {
    auto it = adapters.find(channel);
    return it == adapters.end() ? nullptr : it->second.get();
  }
};

// The command-line overrides of the config.
struct ConfigOverrides {
  std::string listen;    // HOST:PORT, or empty
  std::string data_dir;  // or empty
};

// Loads and validates the config in `dir`, builds every channel's adapter and compiles the
// intents. Any error leaves nothing half-built.
StatusOr<std::shared_ptr<const Runtime>> BuildRuntime(const std::filesystem::path& dir, const ConfigOverrides& overrides,
                                                      const AdapterRegistry& registry, const AdapterEnv& env);

// The registry with every adapter compiled into this binary (gateway/adapter_registry.cc).
const AdapterRegistry& BuiltinAdapters();

}  // namespace gridrelay

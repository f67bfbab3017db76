#include "gateway/runtime/runtime.h"

#include "intents/taxonomy.h"

namespace gridrelay {

StatusOr<std::shared_ptr<const Runtime>> BuildRuntime(const std::filesystem::path& dir, const ConfigOverrides& overrides,
                                                      const AdapterRegistry& registry, const AdapterEnv& env) {
  auto config = LoadConfig(dir);
  if (!config.ok()) return config.status();
  auto rt = std::make_shared<Runtime>();
  rt->config = std::move(*config);
  if (!overrides.listen.empty()) {
    Status s = ParseListen(overrides.listen, &rt->config.server.host, &rt->config.server.port);
    if (!s.ok()) return Status::InvalidArgument("--listen: " + s.message());
  }
  if (!overrides.data_dir.empty()) rt->config.store.data_dir = overrides.data_dir;
  for (const auto& spec : rt->config.channels) {
    AdapterEnv channel_env = env;
    if (!spec.ca_file.empty()) {
      rt->channel_http.push_back(std::make_unique<CaFileClient>(env.http, spec.ca_file));
      channel_env.http = rt->channel_http.back().get();
    }
    auto adapter = registry.Create(spec, channel_env);
    if (!adapter.ok()) return adapter.status();
    rt->adapters[spec.name] = std::move(*adapter);
  }
  rt->router = std::make_unique<Router>(rt->config);
  auto engine = intents::IntentEngine::Load(dir);
  if (!engine.ok()) return engine.status();
  rt->engine = std::move(*engine);
  auto calendar = workflow::Calendar::Load(dir / "calendar.yaml");
  if (!calendar.ok()) return calendar.status();
  rt->calendar = std::make_shared<const workflow::Calendar>(std::move(*calendar));
  auto deadlines = workflow::DeadlineTable::Load(dir / "deadlines.yaml", intents::kTaxonomyIntents);
  if (!deadlines.ok()) return deadlines.status();
  rt->deadlines = std::make_shared<const workflow::DeadlineTable>(std::move(*deadlines));
  return std::shared_ptr<const Runtime>(std::move(rt));
}

}  // namespace gridrelay

// IntentEngine's factory functions: the gateway sees only the abstract interface; the
// engine it gets is a CompiledEngine.
#include "intents/intent_engine.h"

#include "intents/commands.h"
#include "intents/compiled_engine.h"

namespace gridrelay::intents {

StatusOr<std::shared_ptr<const IntentEngine>> IntentEngine::Load(const std::filesystem::path& config_dir) {
  auto engine = CompiledEngine::Build(config_dir);
  if (!engine.ok()) return engine.status();
  return std::shared_ptr<const IntentEngine>(*engine);
}

StatusOr<IntentCheckReport> IntentEngine::Check(const std::filesystem::path& config_dir) {
  auto engine = CompiledEngine::Build(config_dir);
  if (!engine.ok()) return engine.status();
  return CheckEngine(**engine, /*require_full_taxonomy=*/true);
}

}  // namespace gridrelay::intents

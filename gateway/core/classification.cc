#include "gateway/core/classification.h"

namespace gridrelay {

std::string CategoryOf(const std::string& intent) {
  auto dot = intent.find('.');
  return dot == std::string::npos ? intent : intent.substr(0, dot);
}

void to_json(nlohmann::json& j, const TextSpan& s) { j = nlohmann::json::array({s.begin, s.end}); }
void from_json(const nlohmann::json& j, TextSpan& s) {
  s.begin = j.at(0).get<int>();
  s.end = j.at(1).get<int>();
}

void to_json(nlohmann::json& j, const IntentMatch& m) {
  j = {{"intent", m.intent}, {"pattern_id", m.pattern_id}, {"span", m.span}, {"text", m.text}};
}
void from_json(const nlohmann::json& j, IntentMatch& m) {
  m.intent = j.value("intent", "");
  m.pattern_id = j.value("pattern_id", "");
  if (j.contains("span")) m.span = j.at("span").get<TextSpan>();
  m.text = j.value("text", "");
}

void to_json(nlohmann::json& j, const Entity& e) {
  j = {{"type", e.type}, {"value", e.value}, {"span", e.span}, {"text", e.text}};
}
void from_json(const nlohmann::json& j, Entity& e) {
  e.type = j.value("type", "");
  e.value = j.value("value", "");
  if (j.contains("span")) e.span = j.at("span").get<TextSpan>();
  e.text = j.value("text", "");
}

void to_json(nlohmann::json& j, const Classification& c) {
  j = {{"category", c.category}, {"intent", c.intent},   {"confidence", c.confidence},
       {"urgent", c.urgent},     {"by", c.by},           {"matches", c.matches},
       {"entities", c.entities}, {"decision", c.decision}, {"warn", c.warn}};
  if (!c.evidence.empty()) j["evidence"] = c.evidence;
}
void from_json(const nlohmann::json& j, Classification& c) {
  c.category = j.value("category", "none");
  c.intent = j.value("intent", "none");
  c.confidence = j.value("confidence", 0.0);
  c.urgent = j.value("urgent", false);
  c.by = j.value("by", "rule");
  c.matches = j.value("matches", std::vector<IntentMatch>{});
  c.entities = j.value("entities", std::vector<Entity>{});
  c.evidence = j.value("evidence", std::vector<std::string>{});
  c.decision = j.value("decision", "act");
  c.warn = j.value("warn", false);
}

}  // namespace gridrelay

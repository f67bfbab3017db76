// Classification: what the intent engine decides about one resident message.
//
// The vocabulary is the taxonomy in shared/docs/taxonomy.md: one category
// (appeal | legal_aid | anti_fraud | none) and one intent "category.subtype" (or "none").
// Spans are byte offsets into the ORIGINAL text (before normalisation), half-open.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace gridrelay {

struct TextSpan {
  int begin = 0;  // byte offset into the original text
  int end = 0;    // one past the last byte
};

// One rule hit: which intent's pattern fired, and on which part of the text.
struct IntentMatch {
  std::string intent;
  std::string pattern_id;  // "<file>:<line>" of the pattern, or "keyword:<word>"
  TextSpan span;
  std::string text;  // the original characters the span covers
};

// Something staff act on: a phone number, a URL, a bank card, an amount, an address, an id.
struct Entity {
  std::string type;   // phone | url | domain | bank_card | money | address | qq | wechat
  std::string value;  // normalised value (e.g. amounts in yuan, phones digits only)
  TextSpan span;
  std::string text;
};

struct Classification {
  std::string category = "none";
  std::string intent = "none";
  double confidence = 0.0;  // see intents/README.md for what it means per `by`
  bool urgent = false;
  std::string by = "rule";  // "rule" | "model" | "default" (nothing fired)
  std::vector<IntentMatch> matches;
  std::vector<Entity> entities;
  std::vector<std::string> evidence;  // for the model: the n-grams that weighed most
  // What the gateway does with it (config/intents/decision.yaml): "act" opens a ticket,
  // "confirm" puts it in the grid worker's confirmation queue (待确认), "ignore" does nothing.
  // Classifications stored before the field existed read as "act", which is what they got.
  std::string decision = "act";
  // An instant anti-fraud warning in the group is allowed (decision.yaml `warn`: a confident
  // anti_fraud act by rule that does not read as publicity). Stored before the field: false.
  bool warn = false;
};

// The category part of an intent name: "appeal.noise" -> "appeal", "none" -> "none".
std::string CategoryOf(const std::string& intent);

void to_json(nlohmann::json& j, const TextSpan& s);
void from_json(const nlohmann::json& j, TextSpan& s);
void to_json(nlohmann::json& j, const IntentMatch& m);
void from_json(const nlohmann::json& j, IntentMatch& m);
void to_json(nlohmann::json& j, const Entity& e);
void from_json(const nlohmann::json& j, Entity& e);
void to_json(nlohmann::json& j, const Classification& c);
void from_json(const nlohmann::json& j, Classification& c);

}  // namespace gridrelay

// OneBot message segments: CQ-code strings and segment arrays into text and attachments.
#include "adapters/onebot/segments.h"

#include <array>

namespace gridrelay::onebot {
namespace {

constexpr std::string_view kCqPrefix = "[CQ:";

// Converts a data value to the string the spec says it is; nested values are dropped
// (never copied: a deeply nested value must not cost a recursive copy).
bool ScalarToString(const nlohmann::json& v, std::string* out) {
  if (v.is_string()) {
    *out = v.get_ref<const std::string&>();
  } else if (v.is_number_unsigned()) {
    *out = std::to_string(v.get<uint64_t>());
  } else if (v.is_number_integer()) {
    *out = std::to_string(v.get<int64_t>());
  } else if (v.is_number_float()) {
    *out = v.dump();
  } else if (v.is_boolean()) {
    *out = v.get<bool>() ? "true" : "false";
  } else {
    return false;
  }
  return true;
}

std::string_view Trim(std::string_view s) {
  constexpr std::string_view kSpace = " \t\r\n";
  size_t b = s.find_first_not_of(kSpace);
  if (b == std::string_view::npos) return {};
  size_t e = s.find_last_not_of(kSpace);
  return s.substr(b, e - b + 1);
}

Segment TextSegment(std::string text) { return Segment{"text", {{"text", std::move(text)}}}; }

// The attachment kind of a media segment type, or nullptr.
const char* MediaKind(std::string_view type) {
  static constexpr std::array<std::pair<std::string_view, const char*>, 6> kKinds = {{
      {"image", "image"},
      {"record", "voice"},  // v11
      {"voice", "voice"},   // v12
      {"audio", "voice"},   // v12
      {"video", "video"},
      {"file", "file"},
  }};
  for (const auto& [name, kind] : kKinds) {
    if (name == type) return kind;
  }
  return nullptr;
}

}  // namespace

std::string Segment::Get(std::string_view key) const {
  for (const auto& [k, v] : data) {
    if (k == key) return v;
  }
  return {};
}

std::string EscapeCq(std::string_view text, bool in_param) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '[': out += "&#91;"; break;
      case ']': out += "&#93;"; break;
      case ',':
        if (in_param) {
          out += "&#44;";
          break;
        }
        [[fallthrough]];
      default: out += c;
    }
  }
  return out;
}

std::string UnescapeCq(std::string_view text) {
  static constexpr std::array<std::pair<std::string_view, char>, 4> kEntities = {{
      {"&amp;", '&'}, {"&#91;", '['}, {"&#93;", ']'}, {"&#44;", ','}}};
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    bool replaced = false;
    if (text[i] == '&') {
      for (const auto& [entity, c] : kEntities) {
        if (text.substr(i, entity.size()) == entity) {
          out += c;
          i += entity.size();
          replaced = true;
          break;
        }
      }
    }
    if (!replaced) out += text[i++];
  }
  return out;
}

std::vector<Segment> ParseCqString(std::string_view message) {
  std::vector<Segment> segments;
  size_t pos = 0;
  while (pos < message.size()) {
    size_t start = message.find(kCqPrefix, pos);
    size_t end = start == std::string_view::npos ? start : message.find(']', start);
    if (end == std::string_view::npos) {
      segments.push_back(TextSegment(UnescapeCq(message.substr(pos))));
      break;
    }
    if (start > pos) segments.push_back(TextSegment(UnescapeCq(message.substr(pos, start - pos))));
    // Body between "[CQ:" and ']': type, then ",name=value" parameters.
    std::string_view body = message.substr(start + kCqPrefix.size(), end - start - kCqPrefix.size());
    Segment seg;
    size_t comma = body.find(',');
    seg.type = std::string(body.substr(0, comma));
    while (comma != std::string_view::npos) {
      body.remove_prefix(comma + 1);
      comma = body.find(',');
      std::string_view param = body.substr(0, comma);
      size_t eq = param.find('=');
      if (eq == std::string_view::npos) {
        seg.data.emplace_back(std::string(param), "");
      } else {
        seg.data.emplace_back(std::string(param.substr(0, eq)), UnescapeCq(param.substr(eq + 1)));
      }
    }
    segments.push_back(std::move(seg));
    pos = end + 1;
  }
  return segments;
}

std::vector<Segment> ParseMessage(const nlohmann::json& message) {
  if (message.is_string()) return ParseCqString(message.get_ref<const std::string&>());
  std::vector<Segment> segments;
  auto add = [&segments](const nlohmann::json& item) {
    if (!item.is_object()) return;
    auto type = item.find("type");
    if (type == item.end() || !type->is_string()) return;
    Segment seg;
    seg.type = type->get<std::string>();
    auto data = item.find("data");
    if (data != item.end() && data->is_object()) {
      for (auto it = data->begin(); it != data->end(); ++it) {
        std::string value;
        if (ScalarToString(it.value(), &value)) seg.data.emplace_back(it.key(), std::move(value));
      }
    }
    segments.push_back(std::move(seg));
  };
  if (message.is_array()) {
    for (const auto& item : message) add(item);
  } else if (message.is_object()) {
    add(message);
  }
  return segments;
}

Flattened Flatten(const std::vector<Segment>& segments, std::string_view self_id) {
  Flattened out;
  std::string text;
  for (const Segment& seg : segments) {
    if (seg.type == "text") {
      text += seg.Get("text");
    } else if (seg.type == "at" || seg.type == "mention") {
      std::string who = seg.Get(seg.type == "at" ? "qq" : "user_id");
      if (!self_id.empty() && who == self_id) {
        out.mentions_bot = true;
      } else if (who == "all") {
        text += "@全体成员";
      } else if (!who.empty()) {
        text += "@" + who;
      }
    } else if (seg.type == "mention_all") {
      text += "@全体成员";
    } else if (const char* kind = MediaKind(seg.type)) {
      // v11 puts a fetchable URL in `url` next to the cache file name; v12 has `file_id`.
      std::string ref = seg.Get("url");
      if (ref.empty()) ref = seg.Get("file");
      if (ref.empty()) ref = seg.Get("file_id");
      if (!ref.empty()) out.attachments.push_back(Attachment{kind, std::move(ref)});
    }
  }
  out.text = std::string(Trim(text));
  return out;
}

}  // namespace gridrelay::onebot

// XML and JSON decoding into PayloadNode; see payload.h.
#include "adapters/wecom/payload.h"

#include <pugixml.hpp>

#include <nlohmann/json.hpp>

namespace gridrelay::wecom {

PayloadNode::PayloadNode() = default;

namespace {

struct Budget {
  size_t nodes = 0;
};

Status FromXml(const pugi::xml_node& element, int depth, Budget& budget, PayloadNode& out) {
  if (depth > kMaxPayloadDepth) return Status::InvalidArgument("XML nested deeper than " + std::to_string(kMaxPayloadDepth));
  for (pugi::xml_node child : element.children()) {
    switch (child.type()) {
      case pugi::node_pcdata:
      case pugi::node_cdata:
        out.text += child.value();
        break;
      case pugi::node_element: {
        if (++budget.nodes > kMaxPayloadNodes) return Status::InvalidArgument("XML has too many elements");
        PayloadNode node;
        GR_RETURN_IF_ERROR(FromXml(child, depth + 1, budget, node));
        out.children.emplace_back(NormaliseName(child.name()), std::move(node));
        break;
      }
      default:
        break;  // comments, processing instructions
    }
  }
  // Pretty-printed XML puts whitespace between elements; it is not content.
  if (!out.children.empty() && out.text.find_first_not_of(" \t\r\n") == std::string::npos) out.text.clear();
  return Status::Ok();
}

Status FromJson(const nlohmann::json& value, int depth, Budget& budget, PayloadNode& out) {
  if (depth > kMaxPayloadDepth) return Status::InvalidArgument("JSON nested deeper than " + std::to_string(kMaxPayloadDepth));
  if (++budget.nodes > kMaxPayloadNodes) return Status::InvalidArgument("JSON has too many values");
  if (value.is_object()) {
    for (const auto& [key, member] : value.items()) {
      if (member.is_array()) {
        // An array becomes repeated children, as repeated XML elements would.
        for (const auto& item : member) {
          PayloadNode node;
          GR_RETURN_IF_ERROR(FromJson(item, depth + 1, budget, node));
          out.children.emplace_back(NormaliseName(key), std::move(node));
        }
      } else {
        PayloadNode node;
        GR_RETURN_IF_ERROR(FromJson(member, depth + 1, budget, node));
        out.children.emplace_back(NormaliseName(key), std::move(node));
      }
    }
  } else if (value.is_string()) {
    out.text = value.get<std::string>();
  } else if (value.is_number() || value.is_boolean()) {
    out.text = value.dump();  // "timestamp": 1409659813 and "AgentID": 218 read as text
  }
  return Status::Ok();
}

bool HasDoctype(const pugi::xml_node& parent) {
  for (pugi::xml_node child : parent.children()) {
    if (child.type() == pugi::node_doctype) return true;
  }
  return false;
}

}  // namespace

std::string NormaliseName(std::string_view name) {
  std::string out;
  out.reserve(name.size());
  for (char c : name) {
    if (c == '_') continue;
    out.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c);
  }
  return out;
}

const PayloadNode* PayloadNode::Child(std::string_view name) const {
  const std::string key = NormaliseName(name);
  for (const auto& [n, node] : children) {
    if (n == key) return &node;
  }
  return nullptr;
}

std::vector<const PayloadNode*> PayloadNode::Children(std::string_view name) const {
  const std::string key = NormaliseName(name);
  std::vector<const PayloadNode*> out;
  for (const auto& [n, node] : children) {
    if (n == key) out.push_back(&node);
  }
  return out;
}

std::string PayloadNode::Get(std::initializer_list<std::string_view> path) const {
  const PayloadNode* node = this;
  for (auto name : path) {
    node = node->Child(name);
    if (node == nullptr) return {};
  }
  return node->text;
}

bool PayloadNode::Has(std::initializer_list<std::string_view> path) const {
  const PayloadNode* node = this;
  for (auto name : path) {
    node = node->Child(name);
    if (node == nullptr) return false;
  }
  return true;
}

StatusOr<PayloadFormat> SniffFormat(std::string_view body) {
  size_t i = body.find_first_not_of(" \t\r\n");
  // A UTF-8 BOM is not blank but some proxies add one; skip it too.
  if (i != std::string_view::npos && body.substr(i, 3) == "\xEF\xBB\xBF") i = body.find_first_not_of(" \t\r\n", i + 3);
  if (i == std::string_view::npos) return Status::InvalidArgument("empty body");
  if (body[i] == '<') return PayloadFormat::kXml;
  if (body[i] == '{') return PayloadFormat::kJson;
  return Status::InvalidArgument("body is neither XML nor JSON");
}

StatusOr<PayloadNode> ParseXmlPayload(std::string_view xml) {
  pugi::xml_document doc;
  // parse_doctype only so that a DOCTYPE becomes visible and can be refused; pugixml never
  // expands entities from it either way. Unknown entity references stay literal text.
  const unsigned int flags = pugi::parse_default | pugi::parse_doctype;
  pugi::xml_parse_result result = doc.load_buffer(xml.data(), xml.size(), flags, pugi::encoding_utf8);
  if (!result) {
    return Status::InvalidArgument(std::string("malformed XML: ") + result.description() + " at offset " +
                                   std::to_string(result.offset));
  }
  if (HasDoctype(doc)) return Status::InvalidArgument("XML with a DOCTYPE is refused");
  pugi::xml_node root = doc.document_element();
  if (!root) return Status::InvalidArgument("XML has no root element");
  PayloadNode out;
  Budget budget;
  GR_RETURN_IF_ERROR(FromXml(root, 1, budget, out));
  return out;
}

StatusOr<PayloadNode> ParseJsonPayload(std::string_view json) {
  // nlohmann's parser is iterative, but the depth callback stops pathological nesting before
  // it allocates; the tree walk below enforces kMaxPayloadDepth exactly.
  bool too_deep = false;
  nlohmann::json::parser_callback_t limit = [&](int d, nlohmann::json::parse_event_t, nlohmann::json&) {
    if (d > kMaxPayloadDepth + 1) too_deep = true;
    return !too_deep;
  };
  nlohmann::json value = nlohmann::json::parse(json.begin(), json.end(), limit, /*allow_exceptions=*/false);
  if (too_deep) return Status::InvalidArgument("JSON nested deeper than " + std::to_string(kMaxPayloadDepth));
  if (value.is_discarded()) return Status::InvalidArgument("malformed JSON");
  if (!value.is_object()) return Status::InvalidArgument("JSON payload is not an object");
  PayloadNode out;
  Budget budget;
  GR_RETURN_IF_ERROR(FromJson(value, 1, budget, out));
  return out;
}

StatusOr<PayloadNode> ParsePayload(PayloadFormat format, std::string_view body) {
  return format == PayloadFormat::kXml ? ParseXmlPayload(body) : ParseJsonPayload(body);
}

std::string CData(std::string_view text) {
  std::string out = "<![CDATA[";
  size_t start = 0;
  for (size_t pos; (pos = text.find("]]>", start)) != std::string_view::npos; start = pos + 2) {
    out.append(text.substr(start, pos + 2 - start));
    out.append("]]><![CDATA[");
  }
  out.append(text.substr(start));
  out.append("]]>");
  return out;
}

}  // namespace gridrelay::wecom

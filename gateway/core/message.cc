#include "gateway/core/message.h"

namespace gridrelay {

void to_json(nlohmann::json& j, const Attachment& a) { j = {{"kind", a.kind}, {"ref", a.ref}}; }
void from_json(const nlohmann::json& j, Attachment& a) {
  a.kind = j.value("kind", "");
  a.ref = j.value("ref", "");
}

}  // namespace gridrelay

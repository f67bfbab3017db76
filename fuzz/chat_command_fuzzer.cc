// The chat command parser on arbitrary text (staff can type anything): no crash, and every
// answer is well formed: a command names a verb of the table and carries the ticket numbers its
// shape needs, positive; a malformed attempt carries a usage hint.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "fuzz/fuzz_util.h"
#include "gateway/workflow/chat_command.h"

using gridrelay::fuzz::Check;
using gridrelay::workflow::ArgShape;
using gridrelay::workflow::ParseResult;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::span<const gridrelay::workflow::VerbSpec> verbs = gridrelay::workflow::DefaultVerbs();
  const ParseResult r = gridrelay::workflow::ParseChatCommand(input, verbs);
  const auto in_table = [&](const gridrelay::workflow::VerbSpec* spec) {
    return spec != nullptr && spec >= verbs.data() && spec < verbs.data() + verbs.size();
  };
  switch (r.kind) {
    case ParseResult::Kind::kNotCommand:
      break;
    case ParseResult::Kind::kMalformed:
      Check(in_table(r.spec), "a malformed command names no verb of the table");
      Check(!r.usage.empty(), "a malformed command has no usage hint");
      break;
    case ParseResult::Kind::kCommand: {
      const auto& c = r.command;
      Check(in_table(c.spec) && c.spec == r.spec, "a command names no verb of the table");
      const ArgShape shape = c.spec->shape;
      if (shape == ArgShape::kNone) {
        Check(!c.ticket, "a verb without a ticket got one");
      } else {
        Check(c.ticket && *c.ticket > 0, "a ticket verb without a positive ticket number");
      }
      if (shape == ArgShape::kTwoTickets) Check(c.second_ticket && *c.second_ticket > 0, "a second ticket missing");
      if (shape == ArgShape::kTicketNote) Check(!c.note.empty(), "a required note is empty");
      if (shape == ArgShape::kTicketReason || shape == ArgShape::kTicketTargetReason) {
        Check(!c.reason.empty(), "a required reason is empty");
      }
      if (shape == ArgShape::kTicketTargetReason || shape == ArgShape::kTicketTarget) {
        Check(!c.target.empty(), "a required target is empty");
      }
      break;
    }
  }
  return 0;
}

// Chat commands staff type in any chat: "接单 5", "办结5 灯已更换", "转办 #５ w-li 不属本网格".
//
// ONE table of verbs (DefaultVerbs) maps each chat verb to an API action, says what arguments
// it takes and carries its one-line usage hint; the 帮助 text is generated from it. Later
// issues add verbs (合并 N M, 改类 N 诉求|法律|反诈, 登录 …) as rows: the parser knows only argument
// shapes, never a particular verb.
//
// Contract of ParseChatCommand (the caller has removed @mentions of the bot and decided that
// the sender is staff; a resident's "办结 5" never reaches this parser):
//   * Full-width digits, "#" / "＃" before a ticket number, ASCII and full-width spaces, and no
//     space at all between the parts are accepted; leading/trailing whitespace is ignored.
//   * A message is a command attempt only if it starts with a known verb AND what follows the
//     verb is empty, a ticket number (digits or "#"), or, for verbs without a ticket, nothing.
//     So "办结了吗", "帮助一下邻居" and "接单员在吗" are ordinary text (kNotCommand): staff chat
//     about tickets too, and answering every such line with a usage hint would be noise.
//   * A bare verb ("办结") or a verb with its number but without a required part ("办结 5",
//     "转办 5 w-li") is kMalformed with that verb's usage hint: the sender clearly meant the
//     command, and every command gets an answer.
//   * Digits right after the verb are the ticket number: "办结53栋灯已修" is ticket 53; write
//     "办结5 3栋灯已修" for ticket 5.
// Pure and thread-safe.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/workflow/lifecycle.h"

namespace gridrelay::workflow {

// What a verb does when it is not a state-changing action.
enum class CommandKind {
  kAction,  // a lifecycle Action (POST /api/v1/tickets/{id}/actions)
  kQuery,   // 查询 N: GET /api/v1/tickets/{id}
  kMine,    // 我的工单: GET /api/v1/tickets?assignee=me
  kHelp,    // 帮助
  kFalseAlarm,  // 误报 N 说明: the warning ticket N's message caused was wrong (warning_actions.h)
};

// The shape of what follows the verb.
enum class ArgShape {
  kNone,              // nothing, no ticket (我的工单, 帮助, 登录)
  kTicket,            // N, optionally followed by a free note (接单 5 马上到)
  kTicketNote,        // N 说明 (note required)
  kTicketReason,      // N 理由 (reason required)
  kTicketTargetReason,// N 目标 理由 (target is one word; reason required)
  kTicketTarget,      // N 目标 (one word, e.g. 改类 N 诉求)
  kTwoTickets,        // N M (e.g. 合并 N M)
};

struct VerbSpec {
  std::string_view verb;      // the chat word, e.g. "办结"
  CommandKind kind = CommandKind::kAction;
  std::optional<Action> action;  // for kAction
  ArgShape shape = ArgShape::kNone;
  std::string_view usage;     // one line: "办结 N 说明"
  std::string_view help;      // what it does, for 帮助
  std::string_view api;       // the API equivalent, for the README and 帮助
};

// The shipped verbs (issue #8's table), in the order 帮助 lists them.
std::span<const VerbSpec> DefaultVerbs();

struct Command {
  const VerbSpec* spec = nullptr;  // points into the table passed to the parser
  std::optional<int64_t> ticket;
  std::optional<int64_t> second_ticket;  // kTwoTickets
  std::string target;
  std::string reason;
  std::string note;
  // 合并 N M and 拆分 N 消息号 name their second number as the action's target.
  ActionArgs Args() const { return {second_ticket ? std::to_string(*second_ticket) : target, reason, note}; }
};

struct ParseResult {
  enum class Kind { kNotCommand, kMalformed, kCommand };
  Kind kind = Kind::kNotCommand;
  Command command;    // kCommand
  std::string usage;  // kMalformed: "用法：办结 N 说明 (usage: resolve needs a note)"
  const VerbSpec* spec = nullptr;  // kMalformed and kCommand: the verb recognised
};

ParseResult ParseChatCommand(std::string_view text, std::span<const VerbSpec> verbs = DefaultVerbs());

// The 帮助 answer: one line per verb, from the table.
std::string HelpText(std::span<const VerbSpec> verbs = DefaultVerbs());

// Full-width digits and "＃" to ASCII, full-width and other Unicode spaces to " ", trimmed.
// Exposed for tests and for the caller's own normaliser.
std::string NormaliseCommandText(std::string_view text);

}  // namespace gridrelay::workflow

// The verb table and the shape-driven parser behind it.
#include "gateway/workflow/chat_command.h"

#include <array>

namespace gridrelay::workflow {
namespace {

// clang-format off
constexpr std::array<VerbSpec, 21> kVerbs = {{
  {"接单",     CommandKind::kAction, Action::kAccept,       ArgShape::kTicket,             "接单 N",           "受理工单 (accept)",                          "accept"},
  {"处理中",   CommandKind::kAction, Action::kStart,        ArgShape::kTicket,             "处理中 N",         "开始处理 (start)",                           "start"},
  {"等回复",   CommandKind::kAction, Action::kWaitResident, ArgShape::kTicketNote,         "等回复 N 说明",    "等待居民回复，期限暂停 (wait for the resident)", "wait_resident"},
  {"转办",     CommandKind::kAction, Action::kTransfer,     ArgShape::kTicketTargetReason, "转办 N 目标 理由", "转给他人办理 (transfer)",                    "transfer (to, reason)"},
  {"退回",     CommandKind::kAction, Action::kReturn,       ArgShape::kTicketReason,       "退回 N 理由",      "退回派单人 (return)",                        "return (reason)"},
  {"办结",     CommandKind::kAction, Action::kResolve,      ArgShape::kTicketNote,         "办结 N 说明",      "办结并回访居民 (resolve)",                   "resolve"},
  {"驳回",     CommandKind::kAction, Action::kReject,       ArgShape::kTicketReason,       "驳回 N 理由",      "不是有效诉求 (reject)",                      "reject (reason)"},
  {"重开",     CommandKind::kAction, Action::kReopen,       ArgShape::kTicket,             "重开 N",           "重新打开 (reopen)",                          "reopen"},
  {"督办",     CommandKind::kAction, Action::kSupervise,    ArgShape::kTicket,             "督办 N",           "督办 (supervise)",                           "supervise"},
  {"备注",     CommandKind::kAction, Action::kNote,         ArgShape::kTicketNote,         "备注 N 内容",      "添加备注 (note)",                            "note"},
  {"合并",     CommandKind::kAction, Action::kMerge,        ArgShape::kTwoTickets,         "合并 N M",         "把工单N并入同一问题的工单M (merge)",         "merge (to: M)"},
  {"拆分",     CommandKind::kAction, Action::kSplit,        ArgShape::kTwoTickets,         "拆分 N 消息号",    "把一条反映从工单N拆成新工单 (split)",        "split (to: message id)"},
  {"确认",     CommandKind::kAction, Action::kConfirm,      ArgShape::kTicket,             "确认 N",           "待确认消息按系统判断立案 (confirm)",         "confirm"},
  {"改类",     CommandKind::kAction, Action::kReclassify,   ArgShape::kTicketTarget,       "改类 N 诉求|法律|反诈", "改分类；待确认消息随即立案 (reclassify)", "reclassify (to)"},
  {"忽略",     CommandKind::kAction, Action::kDismiss,      ArgShape::kTicket,             "忽略 N",           "待确认消息不立案 (dismiss)",                 "dismiss"},
  {"已劝阻",   CommandKind::kAction, Action::kDissuaded,    ArgShape::kTicketNote,         "已劝阻 N 说明",    "已联系上被骗居民并劝阻 (dissuaded)",         "dissuaded"},
  {"未联系上", CommandKind::kAction, Action::kUnreachable,  ArgShape::kTicketNote,         "未联系上 N 说明",  "联系不上被骗居民 (unreachable)",             "unreachable"},
  {"误报",     CommandKind::kFalseAlarm, std::nullopt,      ArgShape::kTicketNote,         "误报 N 说明",      "工单N的反诈提醒是误报 (false alarm)",        "POST /api/v1/warnings/{id}/actions false_alarm"},
  {"查询",     CommandKind::kQuery,  std::nullopt,          ArgShape::kTicket,             "查询 N",           "查看工单进度 (query)",                       "GET /api/v1/tickets/{id}"},
  {"我的工单", CommandKind::kMine,   std::nullopt,          ArgShape::kNone,               "我的工单",         "列出我的未办结工单 (my tickets)",            "GET /api/v1/tickets?assignee=me"},
  {"帮助",     CommandKind::kHelp,   std::nullopt,          ArgShape::kNone,               "帮助",             "显示本说明 (help)",                          "—"},
}};
// clang-format on

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

std::string_view TrimLeft(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  return s;
}
std::string_view Trim(std::string_view s) {
  s = TrimLeft(s);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

// Reads "#"? digits from the front of s (after spaces). nullopt when there is no number;
// *malformed when there is a "#" without digits, a zero, or more than 12 digits.
std::optional<int64_t> TakeTicket(std::string_view* s, bool* malformed) {
  std::string_view r = TrimLeft(*s);
  bool hash = false;
  if (!r.empty() && r.front() == '#') {
    hash = true;
    r = TrimLeft(r.substr(1));
  }
  size_t n = 0;
  while (n < r.size() && IsDigit(r[n])) ++n;
  if (n == 0) {
    *malformed = hash;
    return std::nullopt;
  }
  if (n > 12) {
    *malformed = true;
    return std::nullopt;
  }
  int64_t v = 0;
  for (size_t i = 0; i < n; ++i) v = v * 10 + (r[i] - '0');
  if (v == 0) {
    *malformed = true;
    return std::nullopt;
  }
  *s = r.substr(n);
  return v;
}

ParseResult Malformed(const VerbSpec* spec, std::string_view why) {
  ParseResult r;
  r.kind = ParseResult::Kind::kMalformed;
  r.spec = spec;
  r.usage = "用法：" + std::string(spec->usage) + " (usage: " + std::string(why) + ")";
  return r;
}

}  // namespace

std::span<const VerbSpec> DefaultVerbs() { return kVerbs; }

std::string NormaliseCommandText(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const size_t n = text.size();
  for (size_t i = 0; i < n;) {
    // U+FF10..U+FF19 full-width digits, U+FF03 ＃: EF BC 90..99 / EF BC 83.
    if (i + 2 < n && p[i] == 0xEF && p[i + 1] == 0xBC && ((p[i + 2] >= 0x90 && p[i + 2] <= 0x99) || p[i + 2] == 0x83)) {
      out += p[i + 2] == 0x83 ? '#' : static_cast<char>('0' + (p[i + 2] - 0x90));
      i += 3;
    } else if (i + 2 < n && p[i] == 0xE3 && p[i + 1] == 0x80 && p[i + 2] == 0x80) {  // U+3000 ideographic space
      out += ' ';
      i += 3;
    } else if (i + 1 < n && p[i] == 0xC2 && p[i + 1] == 0xA0) {  // U+00A0 no-break space
      out += ' ';
      i += 2;
    } else {
      out += static_cast<char>(p[i]);
      ++i;
    }
  }
  return std::string(Trim(out));
}

ParseResult ParseChatCommand(std::string_view text, std::span<const VerbSpec> verbs) {
  const std::string norm = NormaliseCommandText(text);
  const std::string_view t = norm;
  // The longest verb wins, so that a row "处理" could never shadow "处理中".
  const VerbSpec* spec = nullptr;
  for (const VerbSpec& v : verbs)
    if (t.starts_with(v.verb) && (!spec || v.verb.size() > spec->verb.size())) spec = &v;
  if (!spec) return {};
  std::string_view rest = t.substr(spec->verb.size());

  ParseResult out;
  out.kind = ParseResult::Kind::kCommand;
  out.spec = spec;
  out.command.spec = spec;
  if (spec->shape == ArgShape::kNone) {
    if (!Trim(rest).empty()) return {};  // "帮助一下邻居": ordinary text
    return out;
  }
  if (Trim(rest).empty()) return Malformed(spec, "a ticket number is missing");
  bool bad = false;
  std::optional<int64_t> ticket = TakeTicket(&rest, &bad);
  if (!ticket) {
    if (bad) return Malformed(spec, "the ticket number is not valid");
    return {};  // "办结了吗": not a number after the verb, so not a command
  }
  out.command.ticket = ticket;
  const std::string_view tail = Trim(rest);
  switch (spec->shape) {
    case ArgShape::kNone:
      break;
    case ArgShape::kTicket:
      out.command.note = std::string(tail);
      break;
    case ArgShape::kTicketNote:
      if (tail.empty()) return Malformed(spec, "a note is missing");
      out.command.note = std::string(tail);
      break;
    case ArgShape::kTicketReason:
      if (tail.empty()) return Malformed(spec, "a reason is missing");
      out.command.reason = std::string(tail);
      break;
    case ArgShape::kTicketTarget:
      if (tail.empty()) return Malformed(spec, "a target is missing");
      out.command.target = std::string(tail);
      break;
    case ArgShape::kTicketTargetReason: {
      size_t sp = 0;
      while (sp < tail.size() && !IsSpace(tail[sp])) ++sp;
      const std::string_view reason = Trim(tail.substr(sp));
      if (tail.empty()) return Malformed(spec, "a target and a reason are missing");
      if (reason.empty()) return Malformed(spec, "a reason is missing");
      out.command.target = std::string(tail.substr(0, sp));
      out.command.reason = std::string(reason);
      break;
    }
    case ArgShape::kTwoTickets: {
      std::string_view r = rest;
      bool bad2 = false;
      std::optional<int64_t> second = TakeTicket(&r, &bad2);
      if (!second) return Malformed(spec, "a second ticket number is missing");
      out.command.second_ticket = second;
      out.command.note = std::string(Trim(r));
      break;
    }
  }
  return out;
}

std::string HelpText(std::span<const VerbSpec> verbs) {
  std::string out = "可用命令 (commands; N 是工单号，可写 #N):\n";
  for (const VerbSpec& v : verbs) out += std::string(v.usage) + " — " + std::string(v.help) + "\n";
  return out;
}

}  // namespace gridrelay::workflow

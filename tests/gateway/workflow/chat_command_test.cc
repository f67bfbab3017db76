// Chat command parsing (gateway/workflow/chat_command.h): a table of variants, the line
// between a malformed command and ordinary text, and a verb added by a table row only.
#include <doctest/doctest.h>

#include <set>
#include <vector>

#include "gateway/workflow/chat_command.h"

namespace gridrelay::workflow {
namespace {

using K = ParseResult::Kind;

struct Case {
  const char* text;
  K kind;
  const char* verb = "";
  int64_t ticket = 0;
  const char* target = "";
  const char* reason = "";
  const char* note = "";
};

// clang-format off
const Case kCases[] = {
  // the verbs of issue 8
  {"接单 5",                 K::kCommand,   "接单",     5},
  {"处理中 5",               K::kCommand,   "处理中",   5},
  {"等回复 5 已电话联系，等居民确认时间", K::kCommand, "等回复", 5, "", "", "已电话联系，等居民确认时间"},
  {"转办 5 w-li 不属本网格", K::kCommand,   "转办",     5, "w-li", "不属本网格"},
  {"退回 5 不属本网格",      K::kCommand,   "退回",     5, "", "不属本网格"},
  {"办结 5 灯已更换",        K::kCommand,   "办结",     5, "", "", "灯已更换"},
  {"驳回 5 重复上报",        K::kCommand,   "驳回",     5, "", "重复上报"},
  {"重开 5",                 K::kCommand,   "重开",     5},
  {"督办 5",                 K::kCommand,   "督办",     5},
  {"备注 5 已联系物业",      K::kCommand,   "备注",     5, "", "", "已联系物业"},
  {"查询 5",                 K::kCommand,   "查询",     5},
  {"我的工单",               K::kCommand,   "我的工单"},
  {"帮助",                   K::kCommand,   "帮助"},
  // spacing, #, full-width digits and spaces
  {"接单5",                  K::kCommand,   "接单",     5},
  {"接单 #５",               K::kCommand,   "接单",     5},
  {"接单＃12",               K::kCommand,   "接单",     12},
  {"接单 # 12",              K::kCommand,   "接单",     12},
  {"接单\u3000１２３",       K::kCommand,   "接单",     123},
  {"  接单 5  ",             K::kCommand,   "接单",     5},
  {"\u3000接单 5\u3000",     K::kCommand,   "接单",     5},
  {"办结5灯已更换",          K::kCommand,   "办结",     5, "", "", "灯已更换"},
  {"办结 #5 灯已更换 ",      K::kCommand,   "办结",     5, "", "", "灯已更换"},
  {"办结５\u3000灯已更换",   K::kCommand,   "办结",     5, "", "", "灯已更换"},
  {"转办5 w-li 不属本网格，请处理", K::kCommand, "转办", 5, "w-li", "不属本网格，请处理"},
  {"转办 #5   w-li   不属本网格", K::kCommand, "转办",  5, "w-li", "不属本网格"},
  {"转办5 社区值班 跨网格",  K::kCommand,   "转办",     5, "社区值班", "跨网格"},
  {"接单 5 马上到",          K::kCommand,   "接单",     5, "", "", "马上到"},
  {"我的工单 ",              K::kCommand,   "我的工单"},
  // the longest verb wins, and digits run to the first non-digit
  {"办结53栋灯已修",         K::kCommand,   "办结",     53, "", "", "栋灯已修"},
  {"办结5 3栋灯已修",        K::kCommand,   "办结",     5, "", "", "3栋灯已修"},
  // a known verb, clearly meant, but incomplete: usage hint
  {"办结",                   K::kMalformed, "办结"},
  {"办结 ",                  K::kMalformed, "办结"},
  {"办结 5",                 K::kMalformed, "办结"},
  {"办结#",                  K::kMalformed, "办结"},
  {"办结 #灯",               K::kMalformed, "办结"},
  {"接单 0",                 K::kMalformed, "接单"},
  {"接单 1234567890123",     K::kMalformed, "接单"},
  {"转办 5",                 K::kMalformed, "转办"},
  {"转办 5 w-li",            K::kMalformed, "转办"},
  {"退回 5",                 K::kMalformed, "退回"},
  {"驳回５",                 K::kMalformed, "驳回"},
  {"等回复 5",               K::kMalformed, "等回复"},
  {"备注 5",                 K::kMalformed, "备注"},
  {"接单",                   K::kMalformed, "接单"},
  // ordinary text: no verb at the start, or the verb is just a word in a sentence
  {"办结了吗",               K::kNotCommand},
  {"办结了没有啊 5号楼",     K::kNotCommand},
  {"接单员在吗",             K::kNotCommand},
  {"帮助一下邻居",           K::kNotCommand},
  {"我的工单呢",             K::kNotCommand},
  {"请帮我办结 5",           K::kNotCommand},
  {"3栋楼道灯坏了好几天了",  K::kNotCommand},
  {"",                       K::kNotCommand},
  {"   ",                    K::kNotCommand},
  {"#5 办结",                K::kNotCommand},
};
// clang-format on

TEST_SUITE("ChatCommand") {
  TEST_CASE("a table of variants") {
    for (const Case& c : kCases) {
      INFO(c.text);
      ParseResult r = ParseChatCommand(c.text);
      CHECK(r.kind == c.kind);
      if (c.kind == K::kNotCommand) {
        CHECK(r.spec == nullptr);
        continue;
      }
      REQUIRE(r.spec != nullptr);
      CHECK(r.spec->verb == c.verb);
      if (c.kind == K::kMalformed) {
        CHECK(r.usage.starts_with("用法：" + std::string(r.spec->usage)));
        CHECK(r.usage.find('\n') == std::string::npos);
        continue;
      }
      CHECK(r.command.spec == r.spec);
      if (c.ticket) {
        CHECK(r.command.ticket == c.ticket);
      } else {
        CHECK_FALSE(r.command.ticket.has_value());
      }
      CHECK(r.command.target == c.target);
      CHECK(r.command.reason == c.reason);
      CHECK(r.command.note == c.note);
    }
  }

  TEST_CASE("each verb maps to its API action") {
    const std::pair<const char*, Action> kMap[] = {
        {"接单 1", Action::kAccept},          {"处理中 1", Action::kStart},       {"等回复 1 x", Action::kWaitResident},
        {"转办 1 a b", Action::kTransfer},    {"退回 1 x", Action::kReturn},      {"办结 1 x", Action::kResolve},
        {"驳回 1 x", Action::kReject},        {"重开 1", Action::kReopen},        {"督办 1", Action::kSupervise},
        {"备注 1 x", Action::kNote},
    };
    for (auto [text, action] : kMap) {
      INFO(text);
      ParseResult r = ParseChatCommand(text);
      REQUIRE(r.kind == K::kCommand);
      CHECK(r.command.spec->kind == CommandKind::kAction);
      CHECK(r.command.spec->action == action);
      CHECK(r.command.spec->api.starts_with(Name(action)));
      // What the parser extracted satisfies what the state machine asks for.
      CHECK(CheckArguments(action, r.command.Args()).ok());
    }
    CHECK(ParseChatCommand("查询 1").command.spec->kind == CommandKind::kQuery);
    CHECK(ParseChatCommand("我的工单").command.spec->kind == CommandKind::kMine);
    CHECK(ParseChatCommand("帮助").command.spec->kind == CommandKind::kHelp);
  }

  TEST_CASE("the table's verbs are distinct and every one has a usage and help line") {
    std::set<std::string_view> verbs;
    for (const VerbSpec& v : DefaultVerbs()) {
      CHECK(verbs.insert(v.verb).second);
      CHECK(v.usage.starts_with(v.verb));
      CHECK_FALSE(v.help.empty());
      CHECK((v.kind == CommandKind::kAction) == v.action.has_value());
    }
    CHECK(verbs.size() == 21);
  }

  TEST_CASE("已劝阻, 未联系上 and 误报 take a ticket and a note (issue #12)") {
    ParseResult d = ParseChatCommand("已劝阻 5 已上门，居民停止转账");
    REQUIRE(d.kind == ParseResult::Kind::kCommand);
    CHECK(d.command.spec->action == Action::kDissuaded);
    CHECK(d.command.note == "已上门，居民停止转账");
    ParseResult u = ParseChatCommand("未联系上5 电话关机");
    REQUIRE(u.kind == ParseResult::Kind::kCommand);
    CHECK(u.command.spec->action == Action::kUnreachable);
    ParseResult f = ParseChatCommand("误报 #5 转述新闻");
    REQUIRE(f.kind == ParseResult::Kind::kCommand);
    CHECK(f.command.spec->kind == CommandKind::kFalseAlarm);
    CHECK(f.command.ticket == 5);
    CHECK(ParseChatCommand("误报 5").kind == ParseResult::Kind::kMalformed);  // why is the point
  }

  TEST_CASE("the help text lists every verb's usage, from the table") {
    const std::string help = HelpText();
    for (const VerbSpec& v : DefaultVerbs()) {
      CAPTURE(v.verb);
      CHECK(help.find(std::string(v.usage) + " — ") != std::string::npos);
    }
  }

  TEST_CASE("a later issue adds a verb by adding a row") {
    std::vector<VerbSpec> verbs(DefaultVerbs().begin(), DefaultVerbs().end());
    verbs.push_back({"标记", CommandKind::kAction, Action::kNote, ArgShape::kTicketTarget, "标记 N 颜色", "标记", "tag"});
    verbs.push_back({"登录", CommandKind::kQuery, std::nullopt, ArgShape::kNone, "登录", "登录控制台", "login"});
    verbs.push_back({"处理", CommandKind::kAction, Action::kStart, ArgShape::kTicket, "处理 N", "shadow test", "start"});

    ParseResult c = ParseChatCommand("标记5 红", verbs);
    REQUIRE(c.kind == K::kCommand);
    CHECK(c.command.target == "红");
    CHECK(ParseChatCommand("登录", verbs).kind == K::kCommand);
    // "处理" must not shadow the longer "处理中".
    CHECK(ParseChatCommand("处理中 5", verbs).command.spec->verb == "处理中");
    CHECK(ParseChatCommand("处理 5", verbs).command.spec->verb == "处理");
    CHECK(HelpText(verbs).find("标记 N 颜色") != std::string::npos);
    // The shipped table does not know them.
    CHECK(ParseChatCommand("标记 5 红").kind == K::kNotCommand);
  }

  TEST_CASE("合并 N M and 拆分 N 消息号 take two numbers, the second is the action's target") {
    ParseResult m = ParseChatCommand("合并 #５ ＃7");
    REQUIRE(m.kind == K::kCommand);
    CHECK(m.command.spec->action == Action::kMerge);
    CHECK(m.command.ticket == 5);
    CHECK(m.command.second_ticket == 7);
    CHECK(m.command.Args().target == "7");
    CHECK(ParseChatCommand("合并 5").kind == K::kMalformed);
    CHECK(ParseChatCommand("合并5 6").command.second_ticket == 6);
    ParseResult s = ParseChatCommand("拆分 12 345");
    REQUIRE(s.kind == K::kCommand);
    CHECK(s.command.spec->action == Action::kSplit);
    CHECK(s.command.Args().target == "345");
    CHECK(ParseChatCommand("拆分 12").usage.find("拆分 N 消息号") != std::string::npos);
    CHECK(ParseChatCommand("合并了吗").kind == K::kNotCommand);
  }

  TEST_CASE("确认 N, 改类 N 诉求|法律|反诈 and 忽略 N are the confirmation queue's verbs") {
    ParseResult c = ParseChatCommand("改类 #12 法律");
    REQUIRE(c.kind == K::kCommand);
    CHECK(c.command.spec->action == Action::kReclassify);
    CHECK(c.command.Args().target == "法律");
    CHECK(ParseChatCommand("改类 12").kind == K::kMalformed);  // the category is missing
    CHECK(ParseChatCommand("确认 12").command.spec->action == Action::kConfirm);
    CHECK(ParseChatCommand("忽略12").command.spec->action == Action::kDismiss);
    CHECK(ParseChatCommand("确认一下").kind == K::kNotCommand);
    CHECK(ParseChatCommand("忽略他吧").kind == K::kNotCommand);
  }

  TEST_CASE("normalisation maps full-width digits, ＃ and spaces, and leaves the rest") {
    CHECK(NormaliseCommandText("\u3000接单＃０１２３４５６７８９\u00a0") == "接单#0123456789");
    CHECK(NormaliseCommandText("办结，灯已更换！") == "办结，灯已更换！");
    // Truncated UTF-8 at the end is kept as it is, never read past.
    const std::string cut = std::string("接单 5") + "\xEF\xBC";
    CHECK(NormaliseCommandText(cut) == cut);
    CHECK(ParseChatCommand(cut).kind == K::kCommand);
  }
}

}  // namespace
}  // namespace gridrelay::workflow

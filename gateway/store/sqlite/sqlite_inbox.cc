// SqliteStore: the durable inbox (group-committed ingest, dedup keys, pending messages).
#include "gateway/store/sqlite/sqlite_conn.h"
#include "gateway/store/sqlite/sqlite_rows.h"
#include "gateway/store/sqlite/sqlite_store.h"

namespace gridrelay {

using sqlite::Dump;
using sqlite::Stmt;
using sqlite::Txn;

StatusOr<std::vector<IngestResult>> SqliteStore::Ingest(const std::vector<IngestItem>& items, int64_t now) {
  std::lock_guard lock(write_mu_);
  GR_RETURN_IF_ERROR(EnsureDurable());
  std::vector<IngestResult> results;
  results.reserve(items.size());
  auto write = [&]() -> Status {
    Txn txn(writer_->db);
    GR_RETURN_IF_ERROR(txn.began());
    for (const auto& item : items) {
      const InboundMessage& m = item.message;
      {
        Stmt find(*writer_, "SELECT message_id FROM inbound_keys WHERE channel = ? AND dedup_key = ?");
        find.Bind(1, m.channel).Bind(2, m.dedup_key);
        auto row = find.Step();
        if (!row.ok()) return row.status();
        if (*row) {
          results.push_back({find.Int(0), true});
          continue;
        }
      }
      Stmt ins(*writer_,
               "INSERT INTO messages (channel, dedup_key, platform_msg_id, chat_type, group_id, sender_id, "
               "sender_name, sender_role, text, sent_at, received_at, from_bot, attachments, reply_context, "
               "classification, category, intent, urgent, state) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
      ins.Bind(1, m.channel).Bind(2, m.dedup_key).Bind(3, m.platform_msg_id).Bind(4, Name(m.chat_type));
      ins.Bind(5, m.group_id).Bind(6, m.sender_id).Bind(7, m.sender_name).Bind(8, Name(item.sender_role));
      ins.Bind(9, m.text).Bind(10, m.sent_at).Bind(11, now).Bind(12, m.from_bot);
      ins.Bind(13, Dump(nlohmann::json(m.attachments))).Bind(14, Dump(m.reply_context));
      ins.Bind(15, Dump(nlohmann::json(item.classification))).Bind(16, item.classification.category);
      ins.Bind(17, item.classification.intent).Bind(18, item.classification.urgent);
      ins.Bind(19, Name(MessageState::kReceived));
      GR_RETURN_IF_ERROR(ins.Run());
      const int64_t id = sqlite3_last_insert_rowid(writer_->db);
      Stmt key(*writer_, "INSERT INTO inbound_keys (channel, dedup_key, message_id, created_at) VALUES (?,?,?,?)");
      key.Bind(1, m.channel).Bind(2, m.dedup_key).Bind(3, id).Bind(4, now);
      GR_RETURN_IF_ERROR(key.Run());
      if (item.safety_reply) {
        OutboxEntry e = *item.safety_reply;
        e.message_id = id;
        e.message.idempotency_key = "m" + std::to_string(id) + ":" + e.message.kind;
        GR_RETURN_IF_ERROR(InsertOutbox(e, now));
      }
      results.push_back({id, false});
    }
    return txn.Commit();
  };
  GR_RETURN_IF_ERROR(NoteWrite(write()));
  return results;
}

Status SqliteStore::PurgeDedupKeys(int64_t older_than) {
  std::lock_guard lock(write_mu_);
  Stmt s(*writer_, "DELETE FROM inbound_keys WHERE created_at < ?");
  s.Bind(1, older_than);
  return s.Run();
}

StatusOr<std::vector<StoredMessage>> SqliteStore::PendingMessages(int limit) {
  std::lock_guard lock(read_mu_);
  static const std::string sql = std::string("SELECT ") + sqlite::kMessageColumns +
                                 " FROM messages INDEXED BY messages_received WHERE state = 'received' "
                                 "ORDER BY id LIMIT ?";
  Stmt s(*reader_, sql.c_str());
  s.Bind(1, limit);
  return sqlite::ReadAll<StoredMessage>(s, sqlite::ReadMessage);
}

StatusOr<std::optional<StoredMessage>> SqliteStore::GetMessage(int64_t id) {
  std::lock_guard lock(read_mu_);
  static const std::string sql = std::string("SELECT ") + sqlite::kMessageColumns + " FROM messages WHERE id = ?";
  Stmt s(*reader_, sql.c_str());
  s.Bind(1, id);
  return sqlite::ReadFirst<StoredMessage>(s, sqlite::ReadMessage);
}

}  // namespace gridrelay

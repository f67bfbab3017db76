// Row codecs: the column list of each table as the engine selects it, and the one reader that
// turns such a row into the store's struct. Every query of a table selects exactly its list,
// so that a column added to a table is added in one place.
#pragma once

#include "gateway/store/sqlite/sqlite_conn.h"
#include "gateway/store/store.h"

namespace gridrelay::sqlite {

extern const char* const kMessageColumns;
extern const char* const kTicketColumns;
extern const char* const kEventColumns;
extern const char* const kOutboxColumns;
extern const char* const kTimerColumns;
extern const char* const kCampaignColumns;
// A correction with its message's text and urgency (corrections c LEFT JOIN messages m).
extern const char* const kLabelledCorrectionColumns;
extern const char* const kWarningColumns;  // qualified by `w.`: select FROM warnings w

StatusOr<StoredMessage> ReadMessage(const Stmt& s);
StatusOr<Ticket> ReadTicket(const Stmt& s);
StatusOr<TicketEvent> ReadEvent(const Stmt& s);
StatusOr<OutboxEntry> ReadOutbox(const Stmt& s);
StatusOr<Timer> ReadTimer(const Stmt& s);
StatusOr<Campaign> ReadCampaign(const Stmt& s);
StatusOr<LabelledCorrection> ReadLabelledCorrection(const Stmt& s);
StatusOr<Warning> ReadWarning(const Stmt& s);

// " AND (<scope>)" over the tickets columns for a scope, its placeholders numbered from `first`
// and its values appended in that order; "" for nullopt.
std::string ScopeClause(const std::optional<TicketScope>& scope, int first, std::vector<std::string>* values);

// The outbox row's payload column: what an adapter needs beyond the indexed columns.
std::string OutboxPayload(const OutboundMessage& m);

}  // namespace gridrelay::sqlite

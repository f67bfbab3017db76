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

StatusOr<StoredMessage> ReadMessage(const Stmt& s);
StatusOr<Ticket> ReadTicket(const Stmt& s);
StatusOr<TicketEvent> ReadEvent(const Stmt& s);
StatusOr<OutboxEntry> ReadOutbox(const Stmt& s);
StatusOr<Timer> ReadTimer(const Stmt& s);
StatusOr<Campaign> ReadCampaign(const Stmt& s);
StatusOr<LabelledCorrection> ReadLabelledCorrection(const Stmt& s);

// The outbox row's payload column: what an adapter needs beyond the indexed columns.
std::string OutboxPayload(const OutboundMessage& m);

}  // namespace gridrelay::sqlite

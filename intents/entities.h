// Entity extraction: what staff act on, found in the normalised text and reported on the
// original characters. Each type has one documented value format (intents/README.md):
//   phone      digits only, mobile "13812345678", landline "01088886666", "400..."/"95..."
//   url        as written, lower-cased scheme and host ("http://x.cn/a")
//   domain     lower-case host without "www." ("icbc-verify.top")
//   bank_card  16-19 digits, only when the Luhn check passes
//   money      an integer or decimal number of yuan ("30000", "3000", "2.5")
//   address    building/unit/room joined by '-' ("3-2-501"; missing parts omitted: "5-1201")
//   qq         digits ("123456789"); wechat: the id as written, lower case ("abc_123")
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "gateway/core/classification.h"
#include "intents/normaliser.h"

namespace gridrelay::intents {

// `original` is the text `norm` was made from. Entities come back in text order.
std::vector<Entity> ExtractEntities(const NormalisedText& norm, std::string_view original);

// Parses an amount such as "3万", "三千", "两万五", "1.5k", "3000" into yuan; false if it
// is not a number. Exposed for tests.
bool ParseAmount(std::string_view number, std::string_view unit, double* yuan);
bool LuhnValid(std::string_view digits);

}  // namespace gridrelay::intents

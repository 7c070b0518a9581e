#pragma once
// What particular SIP stacks need beyond the RFCs, known by their User-Agent. One table, so that
// a workaround for one phone never changes what the others get.
#include <string_view>

namespace lockline::pbx {

// Stacks that give up on a 401 naming any digest algorithm they do not know instead of answering
// the MD5 challenge beside it (RFC 8760 §2.4 expects them to skip the unknown one): they are
// challenged with MD5 alone, which every other phone is offered too.
bool knows_only_md5_digest(std::string_view user_agent);

}  // namespace lockline::pbx

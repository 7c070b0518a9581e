#pragma once
// The calls in progress as the server last wrote them (one row per leg), for the CLI and the
// admin API, which run apart from the call thread.
#include <cstdint>
#include <string>
#include <vector>

#include "store/database.hpp"

namespace lockline::store {

struct CallLegRecord {
  std::int64_t tenant_id = 0;
  std::string call;      // an identifier of the call (not a SIP Call-ID)
  std::int64_t leg = 0;  // 0: the caller's, 1: the callee's
  std::string caller, callee, state;
  std::int64_t started_at = 0;
  std::string transport, codec, srtp, peer;
  std::int64_t packets_in = 0, packets_out = 0, bytes_in = 0, bytes_out = 0, dropped = 0;
  std::int64_t updated_at = 0;
};

class CallRepository {
 public:
  explicit CallRepository(Database& db) : db_(db) {}

  // In one transaction: these legs are the calls in progress now.
  void replace(const std::vector<CallLegRecord>& legs);
  std::vector<CallLegRecord> list(std::int64_t tenant_id);

 private:
  Database& db_;
};

}  // namespace lockline::store

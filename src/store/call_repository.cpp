#include "store/call_repository.hpp"

namespace lockline::store {

void CallRepository::replace(const std::vector<CallLegRecord>& legs) {
  auto lock = db_.lock();
  in_transaction(db_, [&] {
    db_.exec("DELETE FROM active_call_legs");
    auto insert = db_.prepare(
        "INSERT INTO active_call_legs (tenant_id, call, leg, caller, callee, state, started_at, "
        "transport, codec, srtp, peer, packets_in, packets_out, bytes_in, bytes_out, dropped, "
        "updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, "
        "?16, ?17)");
    for (const auto& l : legs) {
      insert.reset();
      insert.bind(1, l.tenant_id)
          .bind(2, l.call)
          .bind(3, l.leg)
          .bind(4, l.caller)
          .bind(5, l.callee)
          .bind(6, l.state)
          .bind(7, l.started_at)
          .bind(8, l.transport)
          .bind(9, l.codec)
          .bind(10, l.srtp)
          .bind(11, l.peer)
          .bind(12, l.packets_in)
          .bind(13, l.packets_out)
          .bind(14, l.bytes_in)
          .bind(15, l.bytes_out)
          .bind(16, l.dropped)
          .bind(17, l.updated_at)
          .run();
    }
  });
}

std::vector<CallLegRecord> CallRepository::list(std::int64_t tenant_id) {
  auto lock = db_.lock();
  auto statement = db_.prepare(
      "SELECT tenant_id, call, leg, caller, callee, state, started_at, transport, codec, srtp, "
      "peer, packets_in, packets_out, bytes_in, bytes_out, dropped, updated_at "
      "FROM active_call_legs WHERE tenant_id = ?1 ORDER BY started_at, call, leg");
  statement.bind(1, tenant_id);
  std::vector<CallLegRecord> result;
  while (statement.step()) {
    CallLegRecord r;
    r.tenant_id = statement.integer(0);
    r.call = statement.text(1);
    r.leg = statement.integer(2);
    r.caller = statement.text(3);
    r.callee = statement.text(4);
    r.state = statement.text(5);
    r.started_at = statement.integer(6);
    r.transport = statement.text(7);
    r.codec = statement.text(8);
    r.srtp = statement.text(9);
    r.peer = statement.text(10);
    r.packets_in = statement.integer(11);
    r.packets_out = statement.integer(12);
    r.bytes_in = statement.integer(13);
    r.bytes_out = statement.integer(14);
    r.dropped = statement.integer(15);
    r.updated_at = statement.integer(16);
    result.push_back(std::move(r));
  }
  return result;
}

}  // namespace lockline::store

#include "cluster/probe_turn.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace maxpool::cluster {
namespace {

// KEYS: the turn. ARGV: replica id, ttl ms. 1 when the caller holds the turn now.
const redis::RedisScript& TakeScript() {
  static const redis::RedisScript script(R"lua(
local holder = redis.call('GET', KEYS[1])
if holder == false or holder == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
return 0
)lua");
  return script;
}

}  // namespace

ProbeTurn::ProbeTurn(redis::RedisClient& client, std::string prefix, std::string replica_id,
                     absl::Duration sweep_interval)
    : client_(client),
      key_(absl::StrCat(prefix, ":probe")),
      replica_id_(std::move(replica_id)),
      ttl_(sweep_interval * 3 / 2) {}

bool ProbeTurn::Mine() {
  auto reply = client_.Eval(TakeScript(), {key_},
                            {replica_id_, absl::StrCat(absl::ToInt64Milliseconds(ttl_))});
  if (!reply.ok() || reply->is_error()) return true;  // alone: probes cost no message
  return reply->integer == 1;
}

}  // namespace maxpool::cluster

// Fuzz target: what a replica reads back from its stores, which another process wrote: Redis
// replies (RESP, fed to the decoder in pieces of fuzzer-chosen sizes), a Redis URL from the
// config or environment, and the pool's memory (the JSON the state file and the shared store
// keep). A hostile or corrupted store gets an error, never a crash; memory that decodes encodes
// and decodes again to the same.

#include <fuzzer/FuzzedDataProvider.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "pool/pool_memory.h"
#include "redis/redis_reply.h"
#include "redis/redis_url.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider provider(data, size);
  const int which = provider.ConsumeIntegralInRange(0, 2);
  const size_t piece = provider.ConsumeIntegralInRange<size_t>(1, 512);
  const std::string bytes = provider.ConsumeRemainingBytesAsString();
  switch (which) {
    case 0: {
      maxpool::redis::RespDecoder decoder;
      std::string_view rest(bytes);
      while (!rest.empty()) {
        const size_t n = std::min(rest.size(), piece);
        decoder.Feed(rest.substr(0, n));
        rest.remove_prefix(n);
        while (true) {
          absl::StatusOr<std::optional<maxpool::redis::RedisReply>> reply = decoder.Next();
          if (!reply.ok()) return 0;  // a protocol error: the connection is dropped
          if (!reply->has_value()) break;
          maxpool::redis::HashPairs(**reply);
        }
      }
      break;
    }
    case 1:
      (void)maxpool::redis::ParseRedisUrl(bytes);
      break;
    default: {
      absl::StatusOr<maxpool::pool::PoolMemory> memory = maxpool::pool::Decode(bytes);
      if (!memory.ok()) return 0;
      const std::string encoded = maxpool::pool::Encode(*memory);
      absl::StatusOr<maxpool::pool::PoolMemory> again = maxpool::pool::Decode(encoded);
      if (!again.ok() || maxpool::pool::Encode(*again) != encoded) __builtin_trap();
      break;
    }
  }
  return 0;
}

// Fuzz target: the SSE tracker on a relayed stream, split at arbitrary points. Whatever the
// split, the tracker must reach the same verdict (event boundary, completeness, token usage) as
// for the stream fed whole: a cut stream is told from a complete one by its bytes, not by where
// the reads fell.

#include <fuzzer/FuzzedDataProvider.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "proxy/sse_tracker.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider provider(data, size);
  const std::string splits = provider.ConsumeBytesAsString(provider.ConsumeIntegralInRange(0, 128));
  const std::string stream = provider.ConsumeRemainingBytesAsString();

  maxpool::proxy::SseTracker whole;
  whole.Feed(stream);

  maxpool::proxy::SseTracker split;
  FuzzedDataProvider cuts(reinterpret_cast<const uint8_t*>(splits.data()), splits.size());
  std::string_view rest(stream);
  while (!rest.empty()) {
    const size_t n = cuts.remaining_bytes() == 0
                         ? rest.size()
                         : std::min(rest.size(), cuts.ConsumeIntegralInRange<size_t>(0, 512));
    split.Feed(rest.substr(0, n));
    rest.remove_prefix(n);
  }
  if (whole.AtEventBoundary() != split.AtEventBoundary()) __builtin_trap();
  if (whole.Complete() != split.Complete()) __builtin_trap();
  if (whole.usage().input_tokens != split.usage().input_tokens) __builtin_trap();
  if (whole.usage().output_tokens != split.usage().output_tokens) __builtin_trap();
  maxpool::proxy::UsageFromJson(stream);
  return 0;
}

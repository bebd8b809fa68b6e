#pragma once

// Reading the authorization code a user pastes into `maxpool login` (spec §7.2 step 4(b), with
// the RECOMMENDED `code#state` form; wire §5.3 "manual copy-paste codes come as code#state").
// Pure and thread-safe.

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace maxpool::credentials {

// The authorization code in `text`, which (after trimming ASCII whitespace) is one of:
//   - "code#state": the form the manual callback page shows; the state must equal
//     `expected_state` ("code#" with nothing after '#' is taken as a code without a state);
//   - a callback URL "http(s)://…?code=…&state=…" (query values percent-decoded, '+' = space);
//     its state, when present, must equal `expected_state`;
//   - a bare code.
// Errors (none quotes the code):
//   - InvalidArgument "paste the code shown after you sign in" for empty text or an empty code;
//   - InvalidArgument when a URL has no code (its `error` parameter, if any, is named), when a
//     bare code contains whitespace, or when the URL cannot be parsed;
//   - FailedPrecondition when the state differs: the code belongs to another login attempt.
[[nodiscard]] absl::StatusOr<std::string> ParsePastedCode(std::string_view text,
                                                          std::string_view expected_state);

}  // namespace maxpool::credentials

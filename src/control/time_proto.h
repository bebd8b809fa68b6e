#pragma once

// absl time <-> google.protobuf.Timestamp / Duration.

#include "absl/time/time.h"
#include "google/protobuf/duration.pb.h"
#include "google/protobuf/timestamp.pb.h"

namespace maxpool::control {

void SetTimestamp(absl::Time time, google::protobuf::Timestamp* out);
void SetDuration(absl::Duration duration, google::protobuf::Duration* out);
absl::Duration FromDuration(const google::protobuf::Duration& duration);
absl::Time FromTimestamp(const google::protobuf::Timestamp& timestamp);

}  // namespace maxpool::control

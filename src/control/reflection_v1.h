#pragma once

// gRPC server reflection, protocol v1 (grpc.reflection.v1.ServerReflection), for tools that no
// longer speak v1alpha. gRPC 1.51 serves only v1alpha; this answers the same questions from the
// process's generated descriptor pool: list the services, and give the file (with every file it
// imports) that defines a file name, a symbol or an extension. On gRPC's callback API: each
// stream answers its questions in turn, with no thread of its own. Thread-safe (stateless).

#include <string>
#include <vector>

#include "grpc/reflection/v1/reflection.grpc.pb.h"

namespace maxpool::control {

class ReflectionV1Service final : public grpc::reflection::v1::ServerReflection::CallbackService {
 public:
  // `services`: the fully qualified names that list_services reports.
  explicit ReflectionV1Service(std::vector<std::string> services);

  grpc::ServerBidiReactor<grpc::reflection::v1::ServerReflectionRequest,
                          grpc::reflection::v1::ServerReflectionResponse>*
  ServerReflectionInfo(grpc::CallbackServerContext* context) override;

 private:
  const std::vector<std::string> services_;
};

}  // namespace maxpool::control

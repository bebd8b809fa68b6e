#pragma once

// The gRPC control-plane listener (docs/architecture.md "Control plane"): the given maxpool.v1
// services, grpc.health.v1 (overall "" and per service), and server reflection v1alpha (gRPC's)
// and v1 (ours), on control.host:control.port with optional TLS or mutual TLS.
//
// Refuses to start on a non-loopback address with neither a control token nor TLS: anyone who
// could reach the port could take over the pool. Health starts SERVING; SetNotServing() (drain)
// turns every service NOT_SERVING at once and for good.
//
// Thread safety: every method may be called from any thread.

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "grpcpp/impl/service_type.h"
#include "grpcpp/server.h"

namespace maxpool::control {

struct ControlServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 3457;  // 0 = any free port
  bool token_configured = false;
  // PEM files; cert and key together turn TLS on; a client CA requires client certificates.
  std::string tls_cert_file;
  std::string tls_key_file;
  std::string tls_client_ca_file;
};

// A service and its fully qualified name (e.g. v1::AccountService::service_full_name()), which
// health reports and reflection lists.
struct NamedService {
  std::string name;
  std::unique_ptr<grpc::Service> service;
};

class ControlServer {
 public:
  // Binds and starts serving `services` (kept alive by the server). Errors, each naming the
  // address or the file: InvalidArgument (not an IP address, half a TLS pair),
  // FailedPrecondition (non-loopback without token or TLS), NotFound/PermissionDenied (TLS
  // files), Unavailable (the port cannot be bound).
  static absl::StatusOr<std::unique_ptr<ControlServer>> Start(const ControlServerOptions& options,
                                                              std::vector<NamedService> services);
  ~ControlServer();  // Shutdown(0)

  uint16_t port() const { return port_; }
  bool tls() const { return tls_; }
  // "host:port".
  std::string address() const;

  // Every health status to NOT_SERVING (drain). Idempotent.
  void SetNotServing();
  // Stops accepting calls and ends the running ones (streams included) after `grace`.
  // Idempotent.
  void Shutdown(absl::Duration grace);

 private:
  ControlServer() = default;

  std::vector<NamedService> services_;
  std::vector<std::string> health_names_;  // "" and the services' names
  std::unique_ptr<grpc::Service> reflection_v1_;
  std::unique_ptr<grpc::Server> server_;
  std::string host_;
  uint16_t port_ = 0;
  bool tls_ = false;
  std::atomic<bool> shut_down_{false};
};

}  // namespace maxpool::control

#include "control/control_server.h"

#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "boost/asio/ip/address.hpp"
#include "control/reflection_v1.h"
#include "grpc/health/v1/health.pb.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/health_check_service_interface.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server_builder.h"

namespace maxpool::control {
namespace {

absl::StatusOr<std::string> ReadPem(const std::string& path, const std::string& key) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::NotFoundError(absl::StrCat("control.tls.", key, ": cannot read \"", path, "\""));
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (text.str().find("-----BEGIN") == std::string::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat("control.tls.", key, ": \"", path, "\" is not a PEM file"));
  }
  return text.str();
}

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> CredentialsFor(
    const ControlServerOptions& o) {
  const bool has_cert = !o.tls_cert_file.empty();
  const bool has_key = !o.tls_key_file.empty();
  if (!has_cert && !has_key) {
    if (!o.tls_client_ca_file.empty()) {
      return absl::InvalidArgumentError(
          "control.tls.clientCaFile needs control.tls.certFile and control.tls.keyFile");
    }
    return grpc::InsecureServerCredentials();
  }
  if (has_cert != has_key) {
    return absl::InvalidArgumentError(
        "control.tls needs both certFile and keyFile (one of them is missing)");
  }
  absl::StatusOr<std::string> cert = ReadPem(o.tls_cert_file, "certFile");
  if (!cert.ok()) return cert.status();
  absl::StatusOr<std::string> key = ReadPem(o.tls_key_file, "keyFile");
  if (!key.ok()) return key.status();
  grpc::SslServerCredentialsOptions ssl;
  ssl.pem_key_cert_pairs.push_back({*key, *cert});
  if (!o.tls_client_ca_file.empty()) {
    absl::StatusOr<std::string> ca = ReadPem(o.tls_client_ca_file, "clientCaFile");
    if (!ca.ok()) return ca.status();
    ssl.pem_root_certs = *ca;
    ssl.client_certificate_request = GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY;
  }
  return grpc::SslServerCredentials(ssl);
}

std::string HostPort(const std::string& host, uint16_t port) {
  if (host.find(':') != std::string::npos) return absl::StrCat("[", host, "]:", port);
  return absl::StrCat(host, ":", port);
}

}  // namespace

absl::StatusOr<std::unique_ptr<ControlServer>> ControlServer::Start(
    const ControlServerOptions& options, std::vector<NamedService> services) {
  boost::system::error_code ec;
  const boost::asio::ip::address address = boost::asio::ip::make_address(options.host, ec);
  if (ec) {
    return absl::InvalidArgumentError(
        absl::StrCat("control.host \"", options.host, "\" is not an IP address"));
  }
  const bool tls = !options.tls_cert_file.empty() || !options.tls_key_file.empty();
  if (!address.is_loopback() && !options.token_configured && !tls) {
    return absl::FailedPreconditionError(absl::StrCat(
        "refusing to serve the control plane on ", HostPort(options.host, options.port),
        " with neither control.token nor control.tls: anyone who can reach that address could "
        "change the pool's accounts. Set control.token (clients send `authorization: Bearer "
        "<token>`), or control.tls, or bind control.host to 127.0.0.1"));
  }
  absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> credentials = CredentialsFor(options);
  if (!credentials.ok()) return credentials.status();

  std::unique_ptr<ControlServer> server(new ControlServer());
  server->host_ = options.host;
  server->tls_ = tls;
  server->services_ = std::move(services);

  // gRPC's health service does not use the C++ protobuf runtime; naming the schema's generated
  // type links it in, so that reflection can describe grpc.health.v1.Health.
  (void)grpc::health::v1::HealthCheckRequest::descriptor();
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  int bound_port = 0;
  builder.AddListeningPort(HostPort(options.host, options.port), *credentials, &bound_port);
  server->health_names_ = {""};
  std::vector<std::string> listed;
  for (const NamedService& named : server->services_) {
    builder.RegisterService(named.service.get());
    server->health_names_.push_back(named.name);
    listed.push_back(named.name);
  }
  listed.push_back("grpc.health.v1.Health");
  listed.push_back("grpc.reflection.v1.ServerReflection");
  listed.push_back("grpc.reflection.v1alpha.ServerReflection");
  server->reflection_v1_ = std::make_unique<ReflectionV1Service>(std::move(listed));
  builder.RegisterService(server->reflection_v1_.get());
  server->server_ = builder.BuildAndStart();
  if (!server->server_ || bound_port == 0) {
    return absl::UnavailableError(absl::StrCat("cannot listen on ",
                                               HostPort(options.host, options.port),
                                               " for the control plane: is the port in use?"));
  }
  server->port_ = static_cast<uint16_t>(bound_port);
  grpc::HealthCheckServiceInterface* health = server->server_->GetHealthCheckService();
  if (health != nullptr) {
    for (const std::string& name : server->health_names_) health->SetServingStatus(name, true);
  }
  return server;
}

ControlServer::~ControlServer() { Shutdown(absl::ZeroDuration()); }

std::string ControlServer::address() const { return HostPort(host_, port_); }

void ControlServer::SetNotServing() {
  if (!server_) return;
  if (grpc::HealthCheckServiceInterface* health = server_->GetHealthCheckService()) {
    health->SetServingStatus(false);
  }
}

void ControlServer::Shutdown(absl::Duration grace) {
  if (!server_ || shut_down_.exchange(true)) return;
  if (grpc::HealthCheckServiceInterface* health = server_->GetHealthCheckService()) {
    health->Shutdown();
  }
  server_->Shutdown(std::chrono::system_clock::now() + absl::ToChronoMilliseconds(grace));
  server_->Wait();
}

}  // namespace maxpool::control

#pragma once

// A throwaway PKI for TLS tests, made with the `openssl` command (installed by
// scripts/install-deps.sh): a CA, a server certificate for 127.0.0.1 and localhost, and a client
// certificate, all signed by the CA, as PEM files in `dir`.

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace maxpool::testing {

struct TestCerts {
  std::filesystem::path ca_cert, server_cert, server_key, client_cert, client_key;
  bool ok = false;

  static std::string Read(const std::filesystem::path& path) {
    std::ifstream in(path);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
  }

  static TestCerts Make(const std::filesystem::path& dir) {
    TestCerts c;
    c.ca_cert = dir / "ca.pem";
    c.server_cert = dir / "server.pem";
    c.server_key = dir / "server.key";
    c.client_cert = dir / "client.pem";
    c.client_key = dir / "client.key";
    const std::string d = dir.string();
    const std::string script =
        "set -e; cd '" + d +
        "'; "
        "openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 "
        "-subj /CN=maxpool-test-ca 2>/dev/null; "
        "printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\\n' > san.ext; "
        "openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr "
        "-subj /CN=localhost 2>/dev/null; "
        "openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial "
        "-out server.pem -days 2 -extfile san.ext 2>/dev/null; "
        "openssl req -newkey rsa:2048 -nodes -keyout client.key -out client.csr "
        "-subj /CN=maxpool-test-client 2>/dev/null; "
        "openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial "
        "-out client.pem -days 2 2>/dev/null";
    c.ok = std::system(("bash -c \"" + script + "\"").c_str()) == 0;
    return c;
  }
};

}  // namespace maxpool::testing

#!/usr/bin/env bash
# Installs the Debian packages maxpool needs, by purpose:
#   --build     to build the `maxpool` binary (what `make demo` and `make package` need)
#   --runtime   to run a `maxpool` binary built elsewhere (its shared libraries)
#   --test      to build and run every test, the benchmarks, the package and image checks
#               (includes --build and --runtime)
# With no option: everything (--test). Idempotent: packages already present are left alone,
# and apt is not touched at all when nothing is missing. Works as root, or with sudo.
set -euo pipefail

build=(
  build-essential cmake ninja-build pkg-config git
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev libboost-system1.81-dev
  libssl-dev libabsl-dev libprotobuf-dev protobuf-compiler
  libgrpc++-dev libgrpc-dev protobuf-compiler-grpc
  libspdlog-dev libfmt-dev prometheus-cpp-dev libjemalloc-dev libncurses-dev
  # RESP encoding and decoding for cluster mode (src/redis)
  libhiredis-dev
  # the release preset also configures the benchmarks
  libbenchmark-dev
)
runtime=(
  libgrpc++1.51 libgrpc29 libprotobuf32 libabsl20220623 libssl3 libspdlog1.10 libfmt9
  libboost-json1.81.0 libboost-url1.81.0 libprometheus-cpp-core1.0 libprometheus-cpp-pull1.0
  libjemalloc2 libncursesw6 libtinfo6
  # peak windows are wall-clock hours in an IANA zone (scheduler.providers.<key>.peakTimezone)
  tzdata
)
test=(
  clang-format libgtest-dev libgmock-dev googletest
  # the fuzz preset: libFuzzer with clang's ASan and UBSan runtimes (tests/fuzz)
  clang-15 libclang-common-15-dev libfuzzer-15-dev
  # operations and e2e tools
  prometheus redis-server wrk tmux nginx-light curl nodejs openssl python3 python3-yaml
  # the completion scripts of `maxpool completion` are run in each shell
  zsh fish
  # packaging checks: the .deb in a minimal root filesystem, the image, the systemd unit
  dpkg-dev mmdebstrap podman uidmap systemd
  # the control-plane clients (clients/): Python and Go, built offline from Debian's packages
  python3-grpcio python3-protobuf
  golang-go golang-google-grpc-dev golang-google-protobuf-dev protoc-gen-go protoc-gen-go-grpc
)
# kubectl (a recent one, with kustomize v5) renders the Kubernetes manifests (tests/kubernetes);
# the machine image carries it. Debian's kubernetes-client (1.20, kustomize v2) is too old for
# deploy/kubernetes, so it is not a fallback: without kubectl those tests fail saying so.

packages=()
case "${1:-}" in
  --build) packages=("${build[@]}") ;;
  --runtime) packages=("${runtime[@]}") ;;
  --test | "") packages=("${build[@]}" "${runtime[@]}" "${test[@]}") ;;
  *) echo "usage: $0 [--build | --runtime | --test]" >&2; exit 2 ;;
esac

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if [ "${#missing[@]}" -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
  sudo_cmd=()
elif command -v sudo >/dev/null 2>&1; then
  sudo_cmd=(sudo)
else
  echo "install-deps: missing ${missing[*]}; run as root or install sudo" >&2
  exit 1
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -q
"${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"

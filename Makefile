# Quick start: `make demo` runs maxpool on a simulated pool; `make test` installs what is missing,
# builds with the sanitizers and runs every test, the fuzz targets' short runs included.
# `make bench` builds optimised and runs the benchmarks in bench/.
.PHONY: all deps deps-build build release package image test fuzz-build fuzz demo bench clients format clean

JOBS ?= $(shell nproc)

all: build

deps:
	@scripts/install-deps.sh

# Only what building the `maxpool` binary needs (the quick start).
deps-build:
	@scripts/install-deps.sh --build

build/dev/build.ninja: CMakeLists.txt CMakePresets.json | deps
	cmake --preset dev

build: deps build/dev/build.ninja
	cmake --build --preset dev -j $(JOBS)

test: build package fuzz-build
	ctest --preset dev -j $(JOBS)
	ctest --preset fuzz -j $(JOBS)

# The libFuzzer targets (tests/fuzz), built with clang, ASan and UBSan: only the libraries they
# need. `make fuzz` runs each for FUZZ_SECONDS (default 600); `make test` runs each for a few
# seconds and replays its seed corpus.
build/fuzz/build.ninja: CMakeLists.txt CMakePresets.json | deps
	cmake --preset fuzz

fuzz-build: deps build/fuzz/build.ninja
	cmake --build --preset fuzz -j $(JOBS)

FUZZ_SECONDS ?= 600
fuzz: fuzz-build
	scripts/fuzz.sh --seconds $(FUZZ_SECONDS)

# The optimised build (warnings are errors here too): what benchmarks, packages and images use.
build/release/build.ninja: CMakeLists.txt CMakePresets.json | deps-build
	cmake --preset release

release: deps build/release/build.ninja
	cmake --build --preset release -j $(JOBS)

# The Debian package of the optimised build: build/release/maxpool_<version>_<arch>.deb.
package: deps-build build/release/build.ninja
	cmake --build --preset release -j $(JOBS) --target maxpool
	cd build/release && cpack -G DEB
	@echo "package: $$(ls -t $(CURDIR)/build/release/maxpool_*.deb | head -n 1)"

# The container image, compiled from source inside the build (deploy/container/Containerfile) on
# a Debian base made by mmdebstrap: localhost/maxpool:<version>. Needs root; installs podman.
image:
	scripts/image.sh

# maxpool in front of a simulated pool of four accounts, with generated traffic: the live view
# on a terminal (`q` quits), else 60 requests and a summary. DEMO_ARGS="--no-tui --requests 0"
# serves until Ctrl-C instead (point curl or Claude Code at the printed address).
DEMO_ARGS ?= --requests 60 --concurrency 4
demo: deps-build build/release/build.ninja
	cmake --build --preset release -j $(JOBS) --target maxpool
	build/release/src/app/maxpool demo $(DEMO_ARGS)

bench: release
	build/release/bench/selection_bench
	bench/overhead/run.sh

# The control-plane clients' generated code (clients/python, clients/go, clients/typescript),
# from proto/maxpool/v1, with local plugins only. The test suite fails when it is stale.
clients: deps
	clients/generate.sh

format:
	git ls-files '*.h' '*.cc' | xargs clang-format -i

clean:
	rm -rf build

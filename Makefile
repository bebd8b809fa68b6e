# Quick start: `make demo` runs maxpool on a simulated pool; `make test` installs what is missing,
# builds with the sanitizers and runs every test.
# `make bench` builds optimised and runs the benchmarks in bench/.
.PHONY: all deps build release test demo bench format clean

JOBS ?= $(shell nproc)

all: build

deps:
	@scripts/install-deps.sh

build/dev/build.ninja: CMakeLists.txt CMakePresets.json | deps
	cmake --preset dev

build: deps build/dev/build.ninja
	cmake --build --preset dev -j $(JOBS)

test: build
	ctest --preset dev -j $(JOBS)

# The optimised build (warnings are errors here too): what benchmarks, packages and images use.
build/release/build.ninja: CMakeLists.txt CMakePresets.json | deps
	cmake --preset release

release: deps build/release/build.ninja
	cmake --build --preset release -j $(JOBS)

# maxpool in front of a simulated pool of four accounts, with generated traffic: the live view
# on a terminal (`q` quits), else 60 requests and a summary. DEMO_ARGS="--no-tui --requests 0"
# serves until Ctrl-C instead (point curl or Claude Code at the printed address).
DEMO_ARGS ?= --requests 60 --concurrency 4
demo: build
	build/dev/src/app/maxpool demo $(DEMO_ARGS)

bench: release
	build/release/bench/selection_bench
	bench/overhead/run.sh

format:
	git ls-files '*.h' '*.cc' | xargs clang-format -i

clean:
	rm -rf build

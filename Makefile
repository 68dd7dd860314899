# Entry points for people and CI. `make run` and `make test` are the whole
# quick start on a fresh Debian 12 machine (as root): each installs missing
# packages, configures build/ once (CMake + Ninja; later builds let Ninja
# re-run CMake when needed), builds, then runs.
#
#   make build      install deps, configure, build everything into build/
#   make run        the demo: `airlock run` on the bundled guest (see README)
#   make test       every test (unit, spec, WASI) through ctest
#   make spectest   the Wasm spec suite alone (build/tests/spectest)
#   make wasitest   the WASI conformance suites alone (build/tests/wasitest)
#   make bench      the benchmarks: policy (bench-policy), worker pool
#                   (bench-pool), bundled tools (bench-tools), then compute
#                   (bench/compute/run)
#   make bench-policy  the policy benchmark alone (bench/policy): decisions/s,
#                   latency, token lookups, load time for 1,000 tenants
#   make bench-pool the worker pool benchmark alone (bench/pool): latency
#                   added by isolation, worker start time, idle worker RSS
#   make bench-tools the bundled tools benchmark alone (bench/tools): fuel,
#                   wall time and memory of a typical call of each tool
#   make fuzz       build the policy libFuzzer target with clang-19 + ASan/UBSan
#                   in build-fuzz/ and run it for FUZZ_SECONDS (default 60)
#   make format     clang-format every C/C++ file in the repository
#   make clean      delete build/

BUILD_DIR  ?= build
BUILD_TYPE ?= RelWithDebInfo
CTEST_JOBS ?= 2
# A test without its own TIMEOUT property is stopped after this many
# seconds, so a hung test fails CI instead of eating its time budget.
CTEST_TIMEOUT ?= 1800
CLANG_FORMAT ?= clang-format

AIRLOCK := $(BUILD_DIR)/bin/airlock
DEMO    := $(BUILD_DIR)/guest/demo/hello.wasm

# ccache is optional; when installed it speeds up rebuilds in fresh trees.
CCACHE := $(shell command -v ccache 2>/dev/null)
CMAKE_FLAGS := -G Ninja -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) \
  $(if $(CCACHE),-DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache)

.PHONY: all deps build run test spectest wasitest bench bench-policy bench-pool \
  bench-tools fuzz format clean

all: build

deps:
	@scripts/install-deps

# Configure once; afterwards Ninja re-runs CMake itself when a
# CMakeLists.txt changes.
$(BUILD_DIR)/build.ninja: | deps
	cmake -S . -B $(BUILD_DIR) $(CMAKE_FLAGS)

build: deps $(BUILD_DIR)/build.ninja
	ninja -C $(BUILD_DIR)

DEMO_RUN := $(AIRLOCK) run --stats --env GREETING=Hello --dir-ro .::/repo \
  $(DEMO) world /repo/README.md /etc/passwd

# The demo compiles into a cache of its own, emptied first, so that the
# first run always shows a compile (cache miss) and the second a cache hit.
run: export AIRLOCK_CACHE_DIR := $(abspath $(BUILD_DIR))/demo-cache
run: build
	@rm -rf "$$AIRLOCK_CACHE_DIR"
	@echo
	@echo "== 1. Run the bundled demo tool. Only the repository is visible to it,"
	@echo "==    read-only, as /repo; --stats prints fuel, memory and timings to"
	@echo "==    stderr. The first run compiles the module to native code."
	$(DEMO_RUN)
	@echo
	@echo "== 2. The same call again: the native code now comes from the cache."
	$(DEMO_RUN)
	@echo
	@echo "== 3. Too little fuel for the demo's prime sieve: the guest is stopped"
	@echo "==    with a trap and airlock exits non-zero."
	@echo "$(AIRLOCK) run --fuel 1000000 $(DEMO)"
	@$(AIRLOCK) run --fuel 1000000 $(DEMO); status=$$?; \
	  echo "(exit status $$status)"; test $$status -ne 0

test: build
	ctest --test-dir $(BUILD_DIR) --output-on-failure -j$(CTEST_JOBS) \
	  --timeout $(CTEST_TIMEOUT) --no-tests=error

spectest: build
	$(BUILD_DIR)/tests/spectest

wasitest: build
	$(BUILD_DIR)/tests/wasitest

bench: build bench-policy bench-pool bench-tools
	BUILD_DIR=$(BUILD_DIR) bench/compute/run

bench-policy: build
	$(BUILD_DIR)/bin/policy_bench

bench-pool: build
	$(BUILD_DIR)/bin/pool_bench

bench-tools: build
	$(BUILD_DIR)/bin/tools_bench

# Fuzzing (fuzz/README.md) has a build tree of its own: clang-19 with
# AddressSanitizer and UBSan on every C++ file (the policy library must be
# instrumented too, so the flags are global, on the configure line) and
# -fsanitize=fuzzer on the fuzz target. Only the fuzz target is built; the
# rest of the tree is not needed for it. New inputs go to a working corpus in
# $(FUZZ_DIR)/fuzz/corpus/policy, which persists between runs; the checked-in
# seeds (fuzz/corpus/policy, copied with deploy/policies/*.yaml into
# $(FUZZ_DIR)/fuzz/seeds/policy by the build) are only read. Crashes land in
# $(FUZZ_DIR)/fuzz/artifacts/. Debian's abseil and yaml-cpp are not
# instrumented; that only means ASan does not see inside them.
FUZZ_DIR     ?= build-fuzz
FUZZ_SECONDS ?= 60
FUZZ_SANITIZE := -fsanitize=address,undefined -fsanitize=fuzzer-no-link \
  -fno-omit-frame-pointer

$(FUZZ_DIR)/build.ninja: | deps
	CC=clang-19 CXX=clang++-19 cmake -S . -B $(FUZZ_DIR) $(CMAKE_FLAGS) \
	  -DAIRLOCK_FUZZ=ON -DCMAKE_CXX_FLAGS='$(FUZZ_SANITIZE)'

fuzz: deps $(FUZZ_DIR)/build.ninja
	ninja -C $(FUZZ_DIR) policy_fuzz
	mkdir -p $(FUZZ_DIR)/fuzz/corpus/policy $(FUZZ_DIR)/fuzz/artifacts
	UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	$(FUZZ_DIR)/fuzz/policy_fuzz -max_total_time=$(FUZZ_SECONDS) \
	  -max_len=8192 -timeout=10 -rss_limit_mb=2048 -dict=fuzz/policy.dict \
	  -artifact_prefix=$(FUZZ_DIR)/fuzz/artifacts/ -print_final_stats=1 \
	  $(FUZZ_DIR)/fuzz/corpus/policy $(FUZZ_DIR)/fuzz/seeds/policy

format: deps
	git ls-files --cached --others --exclude-standard -z -- \
	  '*.c' '*.cc' '*.h' | xargs -0 -r $(CLANG_FORMAT) -i

clean:
	rm -rf $(BUILD_DIR)

# Vigil — the two commands a newcomer types are `make run` and `make test`.
BUILD ?= build
JOBS ?= $(shell nproc)
DATA ?= ./vigil-data
CMAKE_FLAGS ?= -DCMAKE_BUILD_TYPE=RelWithDebInfo

.PHONY: all deps build run run-check test test-sanitize ci bench fuzz clean

all: build

deps:
	@scripts/setup-deps.sh build

build: deps
	@cmake -S . -B $(BUILD) $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

run: build
	@echo "==> starting vigild (data in $(DATA)); stop it with Ctrl-C"
	@$(BUILD)/daemon/vigild --data-dir $(DATA)

# The smoke check of `make run` as the README describes it: starts it, sends the printed curl,
# watches the page arrive with vigilctl watch, stops it with Ctrl-C (scripts/run-smoke.sh).
run-check:
	@scripts/run-smoke.sh

test:
	@scripts/setup-deps.sh test
	@cmake -S . -B $(BUILD) $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

# The unit, e2e and fuzz-corpus tests again on an ASan + UBSan build (build-sanitize/): any
# report fails the test that caused it. The browser test is left to `make test`.
SANITIZE_ENV = ASAN_OPTIONS=abort_on_error=1:detect_leaks=0:strict_string_checks=1 \
  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
test-sanitize:
	@scripts/setup-deps.sh test
	@cmake -S . -B build-sanitize -DVIGIL_SANITIZE=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -g1" $(SANITIZE_FLAGS) >/dev/null
	@cmake --build build-sanitize -j $(JOBS)
	@cd build-sanitize && $(SANITIZE_ENV) ctest --output-on-failure -j $(JOBS) -E '^browser'

# What CI runs (.ci/run, on a fresh Debian 12 when it can): the README's two commands, then
# the sanitizer build.
ci: test run-check test-sanitize

bench:
	@scripts/setup-deps.sh bench
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)
	@bench/run.sh $(BUILD)

# libFuzzer (clang) builds: clang-14 lacks P0848, which std::expected relies on.
# clang-16 implements what libstdc++ 12's <expected> needs (P0848) but still reports
# __cpp_concepts 201907L, so the macro is raised to the value that header checks for.
FUZZ_FLAGS ?= -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer -D__cpp_concepts=202002L -Wno-macro-redefined
fuzz:
	@scripts/setup-deps.sh fuzz
	@cmake -S . -B build-fuzz -DCMAKE_CXX_COMPILER=clang++-16 -DVIGIL_FUZZ=ON -DBUILD_TESTING=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo "-DCMAKE_CXX_FLAGS=$(FUZZ_FLAGS)" >/dev/null
	@cmake --build build-fuzz -j $(JOBS) --target fuzz_events_v2 fuzz_alertmanager fuzz_playbook fuzz_http
	@tests/fuzz/run.sh build-fuzz

clean:
	rm -rf $(BUILD) build-fuzz

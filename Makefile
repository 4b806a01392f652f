# Vigil — the two commands a newcomer types are `make run` and `make test`.
BUILD ?= build
JOBS ?= $(shell nproc)
DATA ?= ./vigil-data
CMAKE_FLAGS ?= -DCMAKE_BUILD_TYPE=RelWithDebInfo

.PHONY: all deps build run test bench fuzz clean

all: build

deps:
	@scripts/setup-deps.sh build

build: deps
	@cmake -S . -B $(BUILD) $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

run: build
	@echo "==> starting vigild (data in $(DATA)); stop it with Ctrl-C"
	@$(BUILD)/daemon/vigild --data-dir $(DATA)

test:
	@scripts/setup-deps.sh test
	@cmake -S . -B $(BUILD) $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

bench:
	@scripts/setup-deps.sh bench
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)
	@bench/run.sh $(BUILD)

fuzz:
	@scripts/setup-deps.sh fuzz
	@AFL_USE_ASAN=1 cmake -S . -B build-fuzz -DCMAKE_CXX_COMPILER=afl-g++ -DVIGIL_FUZZ=ON -DBUILD_TESTING=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@AFL_USE_ASAN=1 cmake --build build-fuzz -j $(JOBS) --target fuzz_events_v2 fuzz_alertmanager fuzz_playbook
	@tests/fuzz/run.sh build-fuzz

clean:
	rm -rf $(BUILD) build-fuzz

# vmsim quick start: `make run` (main job) and `make test` (whole suite).
# Both install missing Debian packages first, then configure and build with CMake + Ninja.
BUILD_DIR ?= build
BUILD_TYPE ?= Release
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=

export SYSTEMC_DISABLE_COPYRIGHT_MESSAGE := 1

.PHONY: all deps configure build run test bench sanitize fuzz fuzz-smoke docs clean

all: build

deps:
	@./scripts/install-deps.sh

$(BUILD_DIR)/build.ninja:
	cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) $(CMAKE_FLAGS)

configure: deps $(BUILD_DIR)/build.ninja

build: configure
	cmake --build $(BUILD_DIR) -j $(JOBS)

# The main job: boot the demo guest (its output and stats), then regenerate the
# papers' tables and the committed sweeps (configs/sweeps/) into results/.
SWEEPS = configs/sweeps/pagetable_x_stlb.cfg configs/sweeps/stlb_x_procs.cfg configs/sweeps/replay_tlb.cfg
run: build
	$(BUILD_DIR)/sim/vmsim run --elf $(BUILD_DIR)/workloads/tests/hello.elf
	$(BUILD_DIR)/sim/vmsim reproduce all --build-dir $(BUILD_DIR)
	for s in $(SWEEPS); do scripts/publish-sweep.sh $(BUILD_DIR) $$s || exit 1; done

# The whole test suite, a short run of every fuzzer under ASan+UBSan (fuzz-smoke,
# about a minute once built), then the same suite under ASan+UBSan (build-asan).
test: build
	cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS)
	$(MAKE) fuzz-smoke
	$(MAKE) sanitize

# Under the sanitizers every test runs but the two that regenerate the committed sweeps whole
# (CommittedSweeps.*: 96 simulations, a minute of the sanitized suite); the sweep runner they use
# is exercised there by the Sweep.* tests, and the Release suite runs them. Likewise SawMill Table 1's
# run-to-run check and its --set check (each regenerates the table, eight runs of the SawMill image:
# a minute sanitized): the other SawMill Table 1 tests check the fixture's table, made by the same
# code under the sanitizers, and the Release suite checks determinism and --set. And the
# i386 target's tests that compare two whole runs of that image (6.5 s a run sanitized): the others
# run the same target code (the chunked loop too) under the sanitizers.
SANITIZE_EXCLUDE = ^CommittedSweeps[.]|^SawmillTable1[.](TwoRunsAreByteIdentical|BandHoldsTheDefaultsAndAnI386TargetSetApplies)$$|^I386Target[.](DefaultsAreThePentium100PresetButItsRamSize|ChunkedRunGivesTheSameStatisticsAsOneRun|RegionsAreTheRawMarksPairedByIdOnThePcAtTheDefaults)$$
sanitize: deps
	cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DVMSIM_SANITIZE=ON $(CMAKE_FLAGS)
	cmake --build build-asan -j $(JOBS)
	cd build-asan && ctest --output-on-failure -j $(JOBS) -E '$(SANITIZE_EXCLUDE)'

# libFuzzer targets (fuzz/) in their own clang build tree (build-fuzz), each run
# for FUZZ_SECONDS (default 60) on one core; findings go to build-fuzz/fuzz-artifacts.
FUZZ_SECONDS ?= 60
FUZZ_CONFIGURE = cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_COMPILER=clang \
	  -DCMAKE_CXX_COMPILER=clang++ -DVMSIM_FUZZ=ON $(CMAKE_FLAGS)
fuzz: deps
	$(FUZZ_CONFIGURE)
	cmake --build build-fuzz -j $(JOBS) --target fuzz_targets
	FUZZ_SECONDS=$(FUZZ_SECONDS) ./fuzz/run.sh build-fuzz

# A quick pass of the same: each libFuzzer target for FUZZ_SMOKE_SECONDS (default 10)
# from its seed corpus, then the R3000 guest fuzzer (instrumented the same way) on
# FUZZ_SMOKE_PROGRAMS programs. `make test` runs it.
FUZZ_SMOKE_SECONDS ?= 10
FUZZ_SMOKE_PROGRAMS ?= 5000
fuzz-smoke: deps
	$(FUZZ_CONFIGURE)
	cmake --build build-fuzz -j $(JOBS) --target fuzz_targets r3000_guest_fuzz
	FUZZ_SECONDS=$(FUZZ_SMOKE_SECONDS) ./fuzz/run.sh build-fuzz
	build-fuzz/tests/models/mips_r3000/r3000_guest_fuzz --programs $(FUZZ_SMOKE_PROGRAMS) --seed 1

# Simulation speed (not a test): prints host.mips for the TLB benchmark guest on the R3000, and
# host.mops (GUPS updates a second of host time, the table's setup left out) on the skylake preset.
bench: build
	$(BUILD_DIR)/sim/vmsim run --elf $(BUILD_DIR)/workloads/bench/tlbbench.elf
	$(BUILD_DIR)/sim/vmsim run --config configs/machines/skylake.cfg --set gups.updates=8000000

# The generated tables in docs/ (parameters, statistics), from the declarations.
docs: build
	./scripts/update-docs.sh $(BUILD_DIR)/sim/vmsim

clean:
	rm -rf $(BUILD_DIR) build-asan build-fuzz

# SessionVault — build, test and demo on Debian 12 with Swift 6.
#   make demo   installs what is missing, builds, and runs the narrated tour on a fresh demo vault
#   make test   installs what is missing, builds, and runs every test suite

SHELL       := /bin/bash
SWIFT       ?= swift
# -DNDEBUG: the C++ TOML parser inside TOMLKit aborts on internal assertions for some malformed
# input (found by fuzzing); without them it reports a syntax error. Every build here uses it.
BUILD_FLAGS ?= -Xcc -DNDEBUG
export SESSIONVAULT_CXX_ASSERTS = off
DEB_PACKAGES := libsodium-dev libssl-dev libopus-dev libvpx-dev libyuv-dev libsqlite3-dev pkg-config ffmpeg opus-tools age sqlite3 time chromium chromium-driver \
                postgresql python3-venv openssl curl
BIN          = .build/debug/sessionvault

.PHONY: all deps build test demo bench fuzz crash sanitize soak clean help

all: build

help:
	@echo "make demo    - install missing packages, build, run the narrated demo"
	@echo "make test    - install missing packages, build, run every test"
	@echo "make build   - debug build of the sessionvault CLI"
	@echo "make bench   - benchmarks (Benchmarks/README.md)"
	@echo "make crash   - 200 crash-injection trials (SIGKILL at random points)"
	@echo "make fuzz    - libFuzzer targets for the parsers (FUZZ_SECONDS each, default 60)"
	@echo "make sanitize - unit tests under ASan and TSan"
	@echo "make soak    - the HTTP service under concurrent load for SOAK_SECONDS (default 300), then integrity and memory checks"

## Installs the Debian packages the build and the tests need, only those that are missing.
deps:
	@missing=""; for p in $(DEB_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing:$$missing"; \
	  SUDO=""; [ "$$(id -u)" -ne 0 ] && SUDO=sudo; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	else echo "All Debian packages present."; fi

build: deps
	bash scripts/embed-schedules.sh
	$(SWIFT) build $(BUILD_FLAGS)

## Every test suite: unit tests, the backend conformance suites, CLI integration and crash tests.
test: deps
	bash scripts/embed-schedules.sh
	$(SWIFT) build --build-tests $(BUILD_FLAGS)
	bash scripts/with-test-servers.sh $(SWIFT) test --skip-build $(BUILD_FLAGS) 2>&1 | tee .build/test.log; exit $${PIPESTATUS[0]}
	SESSIONVAULT_BIN=$(BIN) SOAK_SECONDS=20 bash scripts/soak.sh
	SESSIONVAULT_BIN=$(BIN) SOAK_SECONDS=20 SOAK_BACKEND=scaleout bash scripts/with-test-servers.sh bash scripts/soak.sh
	FUZZ_SECONDS=10 bash scripts/fuzz.sh

demo: build
	SESSIONVAULT_BIN=$(BIN) bash scripts/demo.sh

bench: deps
	bash Benchmarks/compare-age.sh

## libFuzzer targets (Fuzz/): each runs FUZZ_SECONDS (default 60) from the seed corpus.
fuzz: deps
	bash scripts/fuzz.sh

## The full crash-injection run: 40 random SIGKILLs per write path (ingest, withdrawal,
## rotation, sweep, export) = 200 trials, each followed by fsck and the invariants.
crash: deps
	$(SWIFT) build --build-tests $(BUILD_FLAGS)
	SESSIONVAULT_CRASH_TRIALS=40 $(SWIFT) test --skip-build --filter CrashHarnessTests

## Unit tests under AddressSanitizer, then ThreadSanitizer (separate build folders).
## LeakSanitizer ignores TOMLKit's known leaks (scripts/lsan.supp); Swift's own llvm-symbolizer symbolises reports;
## handle_segv=0 lets a deliberate SIGSEGV (the read-only key memory test) end its process as a signal. Memory-bound
## tests are skipped under ASan (its quarantine and shadow memory are the resident set they would measure).
sanitize: deps
	ASAN_SYMBOLIZER_PATH=$$(dirname $$(command -v $(SWIFT)))/llvm-symbolizer LSAN_OPTIONS=suppressions=$(CURDIR)/scripts/lsan.supp \
	  ASAN_OPTIONS=handle_segv=0 \
	  $(SWIFT) test $(BUILD_FLAGS) --sanitize=address --scratch-path .build-asan --skip CrashHarnessTests --skip KeepsItsMemoryBounded
	TSAN_OPTIONS=handle_segv=0 $(SWIFT) test $(BUILD_FLAGS) --sanitize=thread --scratch-path .build-tsan --skip CrashHarnessTests --skip KeepsItsMemoryBounded

clean:
	rm -rf .build demo-vault

## Soak (docs/RELIABILITY.md, "Soak"): the service for SOAK_SECONDS under concurrent uploads, range
## reads, consent withdrawals and sweeps; then digests, verify, fsck, audit verify and memory checks.
SOAK_SECONDS ?= 300
soak: build
	SESSIONVAULT_BIN=$(BIN) SOAK_SECONDS=$(SOAK_SECONDS) bash scripts/soak.sh

# SessionVault — build, test and demo on Debian 12 with Swift 6.
#   make demo   installs what is missing, builds, and runs the narrated tour on a fresh demo vault
#   make test   installs what is missing, builds, and runs every test suite

SHELL       := /bin/bash
SWIFT       ?= swift
BUILD_FLAGS ?=
DEB_PACKAGES := libsodium-dev libopus-dev libvpx-dev libyuv-dev libsqlite3-dev pkg-config ffmpeg age sqlite3
BIN          = .build/debug/sessionvault

.PHONY: all deps build test test-unit demo bench bench-age clean help

all: build

help:
	@echo "make demo    - install missing packages, build, run the narrated demo"
	@echo "make test    - install missing packages, build, run every test"
	@echo "make build   - debug build of the sessionvault CLI"
	@echo "make bench   - benchmarks (Benchmarks/README.md)"

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
	$(SWIFT) build --build-tests $(BUILD_FLAGS)
	$(SWIFT) test --skip-build $(BUILD_FLAGS) 2>&1 | tee .build/test.log; exit $${PIPESTATUS[0]}

demo: build
	SESSIONVAULT_BIN=$(BIN) bash scripts/demo.sh

bench: deps
	bash Benchmarks/compare-age.sh

clean:
	rm -rf .build demo-vault

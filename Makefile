# nmt — every target works on a fresh Debian 12 machine with Swift installed.
SHELL := /bin/bash
SWIFT ?= swift
APT_PACKAGES := pkg-config libopenblas-dev libicu-dev libsqlite3-dev libssl-dev diatheke sword-text-sparv sword-text-web zlib1g-dev chromium libopenmpi-dev openmpi-bin
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
RELEASE_BIN := .build/release/nmt
DEBUG_BIN := .build/debug/nmt
# The binary that builds data and vocabularies: release by default, debug under `make test`.
NMT ?= $(RELEASE_BIN)
VOCAB := vocab/bible.8k.bpe

.PHONY: all deps build build-debug test test-kernels fuzz test-sanitize data vocab vocab-update demo bench bench-deps train-small package-model clean

all: build

deps:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "deps: installing$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing >/dev/null; \
	else echo "deps: all present"; fi

build: deps
	$(SWIFT) build -c release --product nmt

build-debug: deps
	$(SWIFT) build --product nmt

# Deterministic corpus from the Debian SWORD modules, verified against the committed manifest.
data: deps $(if $(filter $(NMT),$(DEBUG_BIN)),build-debug,build)
	$(NMT) data bible --out data/bible --manifest data/bible.manifest

# Re-learn the committed BPE model and check it is byte-identical.
vocab: data
	@tmp=$$(mktemp -d); \
	$(NMT) bpe learn --vocab-size 8000 --out $$tmp/model.bpe data/bible/train.es data/bible/train.en && \
	cmp $$tmp/model.bpe $(VOCAB) && echo "vocab: $(VOCAB) reproduced byte-for-byte"; rc=$$?; rm -rf $$tmp; exit $$rc

vocab-update: data
	$(NMT) bpe learn --vocab-size 8000 --out $(VOCAB) data/bible/train.es data/bible/train.en

test: deps
	$(MAKE) data NMT=$(DEBUG_BIN)
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build

# libFuzzer over every reader of outside input (Sources/FuzzTargets), FUZZ_SECONDS each, with
# AddressSanitizer; its own build directory. Not part of `make test` (the committed inputs are).
FUZZ_SECONDS ?= 60
fuzz: deps
	$(SWIFT) build --scratch-path .build-fuzz --product nmt-fuzz -Xswiftc -DFUZZING -Xswiftc -sanitize=fuzzer,address -Xswiftc -use-ld=lld
	scripts/fuzz/run.sh .build-fuzz/debug/nmt-fuzz $(FUZZ_SECONDS) $(FUZZ_TARGETS)

# The whole suite under AddressSanitizer, then its concurrent parts (serving and batching, the
# parallel loops, the WAL checkpointer, the study runner) under ThreadSanitizer; own build
# directories, slow (not in CI; docs/ARCHITECTURE.md says how long). The CLI tests run the
# sanitized nmt built beside the tests.
TSAN_TESTS ?= ServingTests|DatabaseLockTests|DataParallelTrainerTests|RunStoreTests|KernelGradientTests|ServeCommandTests|StudyCommandTests
test-sanitize: deps
	$(MAKE) data NMT=$(DEBUG_BIN)
	$(SWIFT) build --build-tests --scratch-path .build-asan --sanitize=address
	ASAN_OPTIONS=detect_leaks=0 $(SWIFT) test --skip-build --scratch-path .build-asan --sanitize=address
	$(SWIFT) build --build-tests --scratch-path .build-tsan --sanitize=thread
	$(SWIFT) test --skip-build --scratch-path .build-tsan --sanitize=thread --filter '$(TSAN_TESTS)'

# The whole suite under every OpenBLAS kernel this CPU can run, at 1 and 2 threads
# (KERNELS="…" THREADS="…" to narrow it); `make test` stays one run.
test-kernels: deps
	$(MAKE) data NMT=$(DEBUG_BIN)
	$(SWIFT) build --build-tests
	bash scripts/test-kernels.sh

demo: build data
	bash scripts/demo.sh

# The peers `make bench` compares against, at the versions its figures were measured with
# (pip, from PyPI; tests never need them). Installed only where one is missing or another version.
BENCH_PIP := torch==2.15.0 safetensors==0.7.0 numpy sacrebleu==2.6.0 ctranslate2==4.8.5 sentencepiece==0.2.1
bench-deps:
	@python3 scripts/bench/check_peers.py $(BENCH_PIP) || python3 -m pip install --quiet $(BENCH_PIP)

bench: build data bench-deps
	bash scripts/bench.sh

# The `small` preset with RAdam for about an hour (the recipe chosen by the search in the README's
# results), then test-set BLEU (beam 5) of the average of the last 3 checkpoints and of the best one,
# both stored with the run in out/small.sqlite. `make package-model CHECKPOINT=…` writes the chosen
# checkpoint as the bundled model (models/bible-es-en) that nmt translate uses by default.
# The recipe of `make train-small`, chosen by the probes in the README's results section; also
# what `make equal-wall-clock` trains in nmt and in the PyTorch peer side by side.
TRAIN_SMALL_RECIPE = --preset small --optimizer radam --lr 1e-3 --schedule constant \
  --max-time 55m --valid-every 500 --save-every 250 --keep-last 10 --eval-bleu

train-small: build data
	mkdir -p out
	$(NMT) train --db out/small.sqlite --name small-radam $(TRAIN_SMALL_RECIPE)
	$(NMT) average small-radam --db out/small.sqlite --last 3
	$(NMT) eval small-radam --db out/small.sqlite --split test --checkpoint avg --beam 5 --out out/small-radam.test.hyp
	$(NMT) eval small-radam --db out/small.sqlite --split test --checkpoint best --beam 5 --out out/small-radam.best.test.hyp

# nmt and the PyTorch peer train the recipe at the same time, one core each, for the same 55 minutes.
equal-wall-clock: build data
	scripts/recipe/equal-wall-clock.sh --together out/equal-wall-clock.sqlite $(TRAIN_SMALL_RECIPE)

CHECKPOINT ?= best
package-model:
	$(NMT) export small-radam --db out/small.sqlite --checkpoint $(CHECKPOINT) --format bundle --out models/bible-es-en

clean:
	rm -rf .build

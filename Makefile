# ck8sargo: the two set-up commands are `make demo` and `make test` (see README.md).

GO        ?= go
BINDIR    ?= $(or $(CK8SARGO_TESTENV_BIN),$(or $(XDG_CACHE_HOME),$(HOME)/.cache)/ck8sargo/bin)
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT    ?= $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)
LDFLAGS   := -X github.com/ck8sargo/ck8sargo/internal/cli.version=$(VERSION) -X github.com/ck8sargo/ck8sargo/internal/cli.commit=$(COMMIT)
STATICCHECK_VERSION := v0.8.2
FUZZTIME  ?= 10s

export CK8SARGO_TESTENV_BIN := $(BINDIR)
export BINDIR
# Binaries built for the tests are found after the machine's own (kubectl where it has none).
export PATH := $(PATH):$(BINDIR)

.PHONY: all build test fuzz test-race test-short test-bin envtest-bin lint bench demo dist image release docs clean

all: build

## build: the plugin into bin/kubectl-ck8sargo, static like the release binaries
# (CGO_ENABLED=0 -trimpath, as tools/dist/dist.sh and tools/image build them). `make test`
# compiles with the same settings, and so do the builds its tests make (fixture.GoBuild): one
# compile of every dependency then serves this build, the tests, the archives and the image,
# which on a fresh machine saves a whole compile of the dependency graph (about 6 minutes on
# 2 cores).
build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o bin/kubectl-ck8sargo ./cmd/kubectl-ck8sargo

## envtest-bin: the test control plane (kube-apiserver, etcd) into $(BINDIR)
envtest-bin:
	tools/build-bins.sh envtest

## test-bin: every binary the tests need (control plane and interop peers) into $(BINDIR)
test-bin:
	tools/build-bins.sh

## test: everything, the control plane and the interop peers included; each fuzz target's seed
# corpus runs as a test. The fuzzing itself is `make fuzz`: on a fresh machine it compiles the
# whole dependency graph again with coverage instrumentation (over 20 minutes on 2 cores),
# which would take a fresh CI run past its time.
test: test-bin build
	CGO_ENABLED=0 $(GO) test -trimpath -count=1 -timeout 30m ./...
	$(MAKE) test-race

## fuzz: every fuzz target for FUZZTIME (default 10s), FUZZ_ONLY picking targets by name
fuzz:
	FUZZTIME=$(FUZZTIME) tools/fuzz-short.sh

## test-race: the packages that run rules, rendering and admission in parallel, with the race detector
test-race:
	CGO_ENABLED=1 $(GO) test -race -short -count=1 -timeout 30m ./policy/... ./render/... ./admission/...

## test-short: the tests that need no control plane and no peer binaries
test-short:
	CGO_ENABLED=0 $(GO) test -trimpath -short -count=1 ./...

## lint: go vet, gofmt and staticcheck
lint:
	$(GO) vet ./...
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt wants to change:"; echo "$$out"; exit 1; fi
	$(GO) run honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION) ./...

## bench: Go benchmarks, each side by side with its peer tool where the issue names one
bench: test-bin build
	CK8SARGO_BENCH=1 tools/build-bins.sh gitleaks
	$(GO) test -run '^$$' -bench . -benchmem -timeout 60m ./...

## demo: a local control plane laid out like the platform, and the plugin run against it
demo: build
	tools/build-bins.sh envtest sealed-secrets
	$(GO) run ./internal/demo -plugin bin/kubectl-ck8sargo

## dist: reproducible release archives for five platforms, SHA-256 sums, and the krew manifest
dist:
	tools/dist/dist.sh

## image: the release image (linux/amd64 and linux/arm64 OCI image index, no Docker) as an OCI
## layout, a tarball and its digest in dist/; PUSH=REGISTRY/REPOSITORY:TAG also pushes it
image:
	VERSION=$(VERSION) COMMIT=$(COMMIT) $(GO) run ./tools/image $(if $(PUSH),--push $(PUSH))

## release: the image, then the archives (their binaries know the image's digest) and the krew manifest
release: image
	tools/dist/dist.sh

## docs: regenerate the command reference in docs/generated from the commands
docs:
	$(GO) run ./cmd/kubectl-ck8sargo docs --dir docs/generated

clean:
	rm -rf bin dist plugins

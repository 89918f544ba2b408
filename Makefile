# roster's whole set-up: `make demo` and `make test` (see README.md).
GO       ?= go
BIN      := bin/roster
VERSION  ?= 0.1.0
COMMIT   ?= $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)
LDFLAGS  := -X github.com/roster-dev/roster/internal/cli.Commit=$(COMMIT)
GOFILES   = $(shell git ls-files '*.go' 2>/dev/null; git ls-files --others --exclude-standard '*.go' 2>/dev/null)

.PHONY: build test check race fmt-check vet unit demo install bench fuzz clean

build:
	$(GO) build -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/roster

# test: formatting, vet, every test (fuzz seed corpora and benchmark smoke
# runs included).
test: fmt-check vet unit

# check: the developer's quick loop, the whole suite minus the long crash,
# kill, soak and cross-build tests (they skip under -short). Most of its time
# is roster processes the testscripts start: 38-41 s on two 2-core machines
# with a warm build cache (88 s with a cold one), about two minutes on one
# whose process start-up costs 28 ms of CPU.
check:
	$(GO) test -short ./...

# race: the library packages' quick suite under the race detector (apply
# runs teams side by side, drivers fan out under --parallelism). It needs
# cgo (a C compiler); CI runs it after make test.
race:
	$(GO) test -race -short ./internal/...

fmt-check:
	@out=$$(gofmt -l $(GOFILES)); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...

unit:
	@[ -n "$$ROSTER_TEST_POSTGRES" ] || echo "PostgreSQL state tests skipped: set ROSTER_TEST_POSTGRES to a postgres:// URL to run them"
	$(GO) test -timeout 30m ./...  # cmd/roster's scripts and cross-builds passed go's 10 min on a busy machine
	$(GO) test -run '^$$' -bench . -benchtime 1x ./... > /dev/null
	cd examples/ci && $(GO) vet ./... && $(GO) test ./...  # the CI recipes' lint: a module of its own (docs/ci.md)

demo: build
	@bash scripts/demo.sh $(BIN)

install:
	$(GO) install -ldflags '$(LDFLAGS)' ./cmd/roster

# bench: the targets of performance.md, measured on this machine against P
# (see README.md, "Performance"). BENCHFLAGS passes options to roster-bench,
# e.g. make bench BENCHFLAGS='-runs 5 -keep'; bin/roster-bench -help lists them.
bench: build
	$(GO) build -o bin/roster-bench ./internal/cmd/roster-bench
	bin/roster-bench -roster $(BIN) $(BENCHFLAGS)

clean:
	rm -rf bin

# review-screenshot: the HTML access review of an example (bin/review.html),
# rendered by headless Chromium to bin/review.png when it is installed.
.PHONY: review-screenshot
review-screenshot: build
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
	ex=examples/plausible-agency && \
	$(BIN) apply --chdir $$ex --state "$$tmp/state.db" --auto-approve --now 2026-12-01 > "$$tmp/apply.log" 2>&1 || { cat "$$tmp/apply.log"; exit 1; } && \
	$(BIN) review --chdir $$ex --state "$$tmp/state.db" --now 2026-12-01 --format html --out bin/review.html && \
	echo "Wrote bin/review.html, the review of $$ex." && \
	if command -v chromium > /dev/null 2>&1; then \
		cd bin && chromium --headless --no-sandbox --disable-gpu --screenshot=review.png --window-size=1200,1600 "file://$(CURDIR)/bin/review.html" && \
		echo "Wrote bin/review.png."; \
	else \
		echo "chromium is not installed: no screenshot taken (open bin/review.html in a browser instead)."; \
	fi

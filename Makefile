# Yizhan: `make run` starts the terminal on simulated devices; `make test`
# runs every test. Both install what they need first (make deps).

GO      ?= go
# The Go the project builds with: the machine's own go (1.26.8 on a new
# machine) fetches it from the Go module proxy. go1.27.3 holds the standard
# library's fixes that make vuln checks for (net/http, HTTP/2, crypto/tls,
# crypto/x509, net/textproto).
export GOTOOLCHAIN := go1.27.3
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
# Position-independent, with full RELRO: the relocations read-only after
# start (-bindnow), as Debian builds its own binaries.
LDFLAGS := -s -w -bindnow -X main.version=$(VERSION)
BUILDFLAGS := -trimpath -buildmode=pie
# all: make test taps the journeys at every panel, as make journeys does.
JOURNEYS ?=

# Debian packages the build and the tests need: cgo and the X/GL headers for
# Fyne's desktop driver, libusb for USB devices, Mesa's software GL and Xvfb
# for the smoke test.
DEBIAN_PACKAGES := gcc libc6-dev pkg-config libgl1-mesa-dev libx11-dev libxcursor-dev \
	libxrandr-dev libxinerama-dev libxi-dev libxxf86vm-dev libusb-1.0-0-dev libgl1-mesa-dri xvfb
# And for make test only, the packages' tests (packaging/debtest):
# debootstrap makes the Debian root the .debs are installed into; xset and
# xauth run the kiosk session script against Xvfb; zbar-tools reads the
# printed QR codes back as a second decoder; chromium, with a Chinese font,
# is the browser the staff console's pages are tested in (sync/console);
# postgresql is the server the district's PostgreSQL store is tested on (a
# throwaway cluster each test run starts: sync/district/pgtest); aptly and
# gnupg make and sign the district's release repository (sync/release);
# cups-daemon and cups-client are the print system the A4 printer is
# tested through (a private cupsd each test starts: devices/a4printer),
# and poppler-utils' pdftotext reads printed PDFs back; espeak-ng records
# the spoken prompts and alsa-utils' aplay plays them (into ALSA's null
# device: kiosk/voice).
TEST_PACKAGES := debootstrap x11-xserver-utils xauth zbar-tools chromium fonts-wqy-microhei postgresql aptly gnupg cups-daemon cups-client poppler-utils espeak-ng alsa-utils
# Only for rebuilding the embedded font (make fonts).
FONT_PACKAGES := fonts-noto-cjk python3-fonttools

# The Debian packages (make deb; docs/install.md) are made by nfpm, pinned
# here and installed into bin/ from the Go module proxy: it only packs, so
# it is no dependency of the module. Their version is VERSION made
# Debian-valid (v0.3-12-gabc1234 -> 0.3+git12.gabc1234, a bare hash ->
# 0.0~git...): packaging/deb-version.sh.
NFPM_VERSION := v2.45.2
NFPM        := bin/nfpm
NFPM_STAMP  := bin/.nfpm-$(NFPM_VERSION)
DEB_VERSION := $(shell packaging/deb-version.sh '$(VERSION)')

.PHONY: all deps test-deps deb-deps lint build run test journeys vuln bench bench-idle fonts clean deb deb-docs lintian

all: build

# deps installs the missing Debian packages with apt-get when run as root,
# and otherwise prints the command to run and stops.
define install_missing
	@missing=""; \
	for p in $(1); do \
		dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = 0 ]; then \
			echo "installing:$$missing"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $$missing; \
		else \
			echo "missing Debian packages:$$missing"; \
			echo "install them with: sudo apt-get install -y --no-install-recommends$$missing"; \
			exit 1; \
		fi; \
	fi
endef

deps:
	$(call install_missing,$(DEBIAN_PACKAGES))

test-deps: deps
	$(call install_missing,$(TEST_PACKAGES))

build: deps
	$(GO) build $(BUILDFLAGS) -ldflags "$(LDFLAGS)" -o bin/kiosk ./cmd/kiosk
	$(GO) build $(BUILDFLAGS) -ldflags "$(LDFLAGS)" -o bin/kioskctl ./cmd/kioskctl
	$(GO) build $(BUILDFLAGS) -ldflags "$(LDFLAGS)" -o bin/districtd ./cmd/districtd

# run starts a district on loopback (var/districtd) in the background,
# enrolls the demo terminal with it the first time (the technician's own
# steps: a token, then kioskctl provision), and starts the terminal. The
# district stops when the terminal does.
DEMO_BACKEND := 127.0.0.1:8443
# The demo terminal's maintenance PIN; a real terminal's is set by its
# technician with kioskctl pin set.
DEMO_PIN := 246810
# The demo district's staff console, and its admin's password (demo only;
# a real district's accounts are made with districtd staff add).
DEMO_CONSOLE := 127.0.0.1:8080
DEMO_ADMIN_PASSWORD := Demo2026console
# The demo's virtual A4 printer (config.Demo names it).
DEMO_A4 := 127.0.0.1:8631

# make run's virtual A4 printer is a private cupsd (kioskctl a4 sim); its
# spoken prompts are recorded with espeak-ng and played with aplay.
RUN_PACKAGES := cups-daemon cups-client espeak-ng alsa-utils

run: build
	$(call install_missing,$(RUN_PACKAGES))
	@if [ -z "$$DISPLAY" ] && [ -z "$$WAYLAND_DISPLAY" ]; then \
		echo "make run needs a graphical session (DISPLAY is not set)"; exit 1; fi
	@mkdir -p var/demo var/districtd
	@[ -f var/voice/home.wav ] || ./bin/kioskctl voice make --out var/voice
	@set -e; \
	./bin/districtd serve --data var/districtd --listen $(DEMO_BACKEND) --console $(DEMO_CONSOLE) --documents sample 2>var/districtd/serve.log & dpid=$$!; \
	apid=; if [ "$$(id -u)" = 0 ]; then \
		./bin/kioskctl a4 sim --dir var/a4sim --listen $(DEMO_A4) --out var/demo/a4 >var/a4sim.log 2>&1 & apid=$$!; \
	else echo "the virtual A4 printer needs root (a private cupsd runs its backends only then): certificates go to the counter"; fi; \
	trap 'kill $$dpid $$apid 2>/dev/null; wait $$dpid $$apid 2>/dev/null' EXIT INT TERM; \
	for i in $$(seq 100); do [ -S var/districtd/admin.sock ] && break; \
		kill -0 $$dpid 2>/dev/null || { cat var/districtd/serve.log; exit 1; }; sleep 0.1; done; \
	if [ ! -f var/demo/district/district.json ]; then \
		token=$$(./bin/districtd token new --site 24小时自助服务厅 --data var/districtd | head -1); \
		./bin/kioskctl provision --demo --backend https://$(DEMO_BACKEND) --token $$token; \
	fi; \
	if ! ./bin/districtd staff list --data var/districtd | grep -q '^admin '; then \
		printf '$(DEMO_ADMIN_PASSWORD)\n$(DEMO_ADMIN_PASSWORD)\n' | ./bin/districtd staff add admin --role admin --data var/districtd >/dev/null 2>&1 || { echo 'could not make the demo console admin'; exit 1; }; \
	fi; \
	if [ ! -f var/demo/technician.pin ]; then \
		printf '$(DEMO_PIN)\n$(DEMO_PIN)\n' | ./bin/kioskctl pin set --data var/demo; \
	fi; \
	echo "district: ./bin/districtd apps list --data var/districtd (log in var/districtd/serve.log)"; \
	echo "staff console: http://localhost:8080/ as admin, password $(DEMO_ADMIN_PASSWORD) (demo only)"; \
	echo "maintenance: five taps in the top-right corner, PIN $(DEMO_PIN) (demo only)"; \
	echo "A4 printer: certificates print to var/demo/a4/ (log in var/a4sim.log)"; \
	./bin/kiosk -demo -windowed

# The install test (packaging/debtest) installs the packages just built
# into a Debian root; with YIZHAN_REQUIRE_DEBTEST it fails rather than skips
# when it cannot run (not root, no debootstrap).
#
# Three passes. Every test under the race detector, but the journeys, and
# the district's again with its store on PostgreSQL; then, without it, the
# journeys at two panels and kiosk/ui's golden images. The
# race detector slows Fyne's software painter tenfold (kiosk/ui/golden_test.go),
# and in a journey it would watch only the harness: the kiosk it drives is a
# binary of its own, built without it.
test: test-deps lint lintian vuln
	YIZHAN_REQUIRE_XVFB=1 YIZHAN_REQUIRE_DEBTEST=1 YIZHAN_REQUIRE_ZBAR=1 YIZHAN_REQUIRE_CHROMIUM=1 YIZHAN_REQUIRE_POSTGRES=1 YIZHAN_REQUIRE_RELEASE=1 YIZHAN_REQUIRE_CUPS=1 YIZHAN_REQUIRE_ALSA=1 YIZHAN_DEB_DIR=$(CURDIR)/dist \
		$(GO) test -race -count=1 -timeout 30m -skip '^TestJourney' ./...
	YIZHAN_REQUIRE_POSTGRES=1 YIZHAN_DISTRICT_STORE=postgres $(GO) test -race -count=1 -timeout 10m ./sync/district
	YIZHAN_REQUIRE_XVFB=1 YIZHAN_JOURNEYS=$(JOURNEYS) $(GO) test -count=1 -timeout 30m -run '^TestJourney' ./cmd/kiosk
	$(GO) test -count=1 ./kiosk/ui

# The code as Go wants it: gofmt would change nothing, go vet and
# staticcheck (pinned in go.mod as a tool) find nothing. An exception to
# a staticcheck finding is a //lint:ignore comment at the line, saying why.
lint: deps
	@unformatted=$$(gofmt -l cmd kiosk devices sync assets packaging); \
	if [ -n "$$unformatted" ]; then echo "gofmt would change:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...
	$(GO) tool staticcheck ./...

# The residents' journeys on the real binary (cmd/kiosk/journeys_test.go,
# kiosk/harness) at every supported panel and in elderly mode: make test
# runs them at 1920x1080 and 1080x1920 only, unless JOURNEYS=all (as
# .ci/run does). Each step's screenshot is kept in var/screenshots/journeys.
journeys: test-deps
	YIZHAN_REQUIRE_XVFB=1 YIZHAN_JOURNEYS=all $(GO) test -count=1 -timeout 30m -run '^TestJourney' -v ./cmd/kiosk

# Known vulnerabilities: govulncheck (pinned in go.mod as a tool) against
# a database made offline from the golang.org/x/vulndb module
# (packaging/vulndb) — no network but the Go module proxy. First what the
# source reaches, then each binary we ship; any finding fails. VULNDB_TIME
# is the module version's own time.
VULNDB_VERSION := v0.0.0-20261105234957-e22db6528018
VULNDB_TIME    := 2026-11-05T23:49:57Z
VULNDB         := var/vulndb/$(VULNDB_VERSION)
vuln: build
	$(GO) mod download golang.org/x/vulndb@$(VULNDB_VERSION)
	$(GO) run ./packaging/vulndb -modified $(VULNDB_TIME) -out $(VULNDB) \
		-osv "$$($(GO) env GOMODCACHE)/golang.org/x/vulndb@$(VULNDB_VERSION)/data/osv"
	$(GO) tool govulncheck -db file://$(CURDIR)/$(VULNDB) ./...
	for b in bin/kiosk bin/kioskctl bin/districtd; do \
		$(GO) tool govulncheck -db file://$(CURDIR)/$(VULNDB) -mode binary $$b || exit 1; done

# dist/yizhan_$(DEB_VERSION)_amd64.deb (the terminal) and
# dist/yizhan-districtd_$(DEB_VERSION)_amd64.deb (the district backend), from
# the binaries of make build. Earlier builds' packages are removed, so dist/
# holds one version.
deb: build deb-docs $(NFPM_STAMP)
	@test -n "$(DEB_VERSION)" || { echo "make deb: no Debian version for VERSION=$(VERSION)"; exit 1; }
	@mkdir -p dist
	rm -f dist/yizhan_*.deb dist/yizhan-districtd_*.deb
	DEB_VERSION='$(DEB_VERSION)' $(NFPM) package --packager deb --config packaging/nfpm-kiosk.yaml \
		--target 'dist/yizhan_$(DEB_VERSION)_amd64.deb'
	DEB_VERSION='$(DEB_VERSION)' $(NFPM) package --packager deb --config packaging/nfpm-districtd.yaml \
		--target 'dist/yizhan-districtd_$(DEB_VERSION)_amd64.deb'

# What the packages carry besides the binaries, made from their sources in
# var/deb: the manual pages (docs/man, through go-md2man), each package's
# Debian changelog, compressed as Debian wants (gzip -9n), and the spoken
# prompts recorded with espeak-ng (kioskctl voice make).
MAN_PAGES := yizhan-kiosk kioskctl districtd
deb-docs: deb-deps build
	rm -rf var/deb
	mkdir -p var/deb/man var/deb/yizhan var/deb/yizhan-districtd
	for m in $(MAN_PAGES); do \
		go-md2man -in docs/man/$$m.1.md -out var/deb/man/$$m.1 && gzip -9n var/deb/man/$$m.1 || exit 1; done
	for p in yizhan yizhan-districtd; do \
		packaging/deb-changelog.sh $$p '$(DEB_VERSION)' '$(VERSION)' > var/deb/$$p/changelog && \
		gzip -9n var/deb/$$p/changelog || exit 1; done
	./bin/kioskctl voice make --out var/deb/voice

# Making and checking the packages: go-md2man for the manual pages,
# lintian for Debian's rules, espeak-ng for the spoken prompts.
DEB_PACKAGES := go-md2man lintian espeak-ng
deb-deps:
	$(call install_missing,$(DEB_PACKAGES))

# lintian on both packages: any error or warning fails. None is
# overridden; should one ever need to be, the override goes into the
# package (usr/share/lintian/overrides) with a comment saying why.
lintian: deb
	lintian --fail-on error,warning \
		dist/yizhan_$(DEB_VERSION)_amd64.deb dist/yizhan-districtd_$(DEB_VERSION)_amd64.deb

$(NFPM_STAMP):
	GOBIN=$(CURDIR)/bin $(GO) install github.com/goreleaser/nfpm/v2/cmd/nfpm@$(NFPM_VERSION)
	@rm -f bin/.nfpm-*
	@touch $@

# Benchmarks, six runs each, for benchstat: make bench > new.txt
bench: deps
	$(GO) test -run '^$$' -bench . -benchmem -count 6 ./...

# The terminal at rest against a bare Fyne window, each on its own Xvfb at
# 1920x1080, IDLE_RUNS of each in turn, a go test run each
# (cmd/kiosk/idle_bench_test.go): CPU seconds over 30 s after 10 s to
# settle, PSS, start to first frame; benchstat sets the two side by side.
IDLE_RUNS ?= 10
bench-idle: test-deps
	mkdir -p var
	rm -f var/bench-idle.txt
	for i in $$(seq $(IDLE_RUNS)); do \
		$(GO) test -run '^$$' -bench '^BenchmarkIdle$$' -benchtime 1x -count 1 -timeout 10m ./cmd/kiosk | tee -a var/bench-idle.txt || exit 1; done
	$(GO) tool benchstat -col /program -filter '-.unit:sec/op' var/bench-idle.txt

fonts:
	$(call install_missing,$(FONT_PACKAGES))
	assets/fonts/build-subset.sh

clean:
	rm -rf bin dist var

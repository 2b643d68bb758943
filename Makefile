# Mailwarden: `make run` starts the app, `make test` runs every test.
# Both install what is missing first (Debian/Ubuntu packages, npm modules).

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c

APT_PACKAGES := build-essential pkg-config file libssl-dev libwebkit2gtk-4.1-dev libgtk-3-dev \
  libsoup-3.0-dev librsvg2-dev libayatana-appindicator3-dev libxdo-dev \
  libdbus-1-dev procps bsdutils xvfb xauth webkit2gtk-driver chromium dbus dbus-x11 gnome-keyring \
  imagemagick python3-xlib python3-dbus python3-gi x11-utils curl dovecot-core dovecot-imapd dovecot-pop3d dovecot-lmtpd postfix \
  msmtp neomutt mutt git-email xclip swaks python3-venv lintian rpm appstream man-db systemd fetchmail getmail6
CARGO := $(shell command -v cargo || echo $(HOME)/.cargo/bin/cargo)
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
XVFB := xvfb-run -a -s "-screen 0 1280x800x24"
# Where cargo builds (CARGO_TARGET_DIR if set): the packages take the binaries from there.
TARGET_DIR := $(or $(CARGO_TARGET_DIR),target)

.PHONY: run test deps apt node rust ui lint unit-ui bindings bench clean-screenshots package package-debug

run: deps ui
	$(CARGO) run -p mailwarden-desktop

# Every suite runs even when an earlier one fails (cargo --no-fail-fast runs
# every test binary); the failures are listed at the end and fail the target.
test: deps ui
	@failed=""; \
	$(MAKE) --no-print-directory lint || failed="$$failed lint"; \
	$(MAKE) --no-print-directory package-debug || failed="$$failed package"; \
	$(CARGO) build --workspace || failed="$$failed build"; \
	$(XVFB) $(CARGO) test --workspace --no-fail-fast || failed="$$failed rust-tests"; \
	(cd ui && node --test tests/) || failed="$$failed ui-tests"; \
	if [ -n "$$failed" ]; then echo "FAILED:$$failed"; exit 1; fi; \
	echo "All suites passed."

deps: apt rust node

apt:
	@missing=$$(for p in $(APT_PACKAGES); do dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "Installing: $$missing"; \
	  echo "postfix postfix/main_mailer_type select No configuration" | $(SUDO) debconf-set-selections; \
	  $(SUDO) apt-get -o DPkg::Lock::Timeout=600 update -qq; \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get -o DPkg::Lock::Timeout=600 install -y -qq $$missing; \
	fi
	@command -v node >/dev/null || { DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq nodejs npm; }

rust:
	@[ -x "$(CARGO)" ] || { echo "Rust is missing: install it with rustup (https://rustup.rs), then run make again."; exit 1; }
	@$(CARGO) fmt --version >/dev/null 2>&1 || rustup component add rustfmt
	@$(CARGO) clippy --version >/dev/null 2>&1 || rustup component add clippy

node: ui/node_modules/.installed

ui/node_modules/.installed: ui/package.json ui/package-lock.json
	cd ui && npm ci --no-audit --no-fund
	touch $@

# The UI is embedded into the app at compile time from ui/dist.
ui: node
	cd ui && npx vite build --logLevel warn

lint: node
	$(CARGO) fmt --all --check
	cd ui && npx svelte-check --tsconfig ./tsconfig.json --fail-on-warnings --output machine | tail -n 1
	$(CARGO) clippy --workspace --all-targets -- -D warnings

# The .deb and .rpm of the release build (target/release/bundle/{deb,rpm}/):
# the desktop app, the command line, man pages, completions, systemd user
# units, AppStream metainfo, licences (packaging/stage.sh lays them out).
package: deps ui
	$(CARGO) build --release -p mailwarden-cli
	rm -rf $(TARGET_DIR)/release/bundle
	packaging/stage.sh $(TARGET_DIR)/release
	ui/node_modules/.bin/tauri build --bundles deb,rpm

# The same packages from the debug build, stripped (target/debug/bundle/):
# what `make test` checks (tests/packaging.rs) without a second, release
# build of everything (~10 minutes more on two cores).
package-debug: deps ui
	CARGO_PROFILE_DEV_STRIP=true $(CARGO) build -p mailwarden-cli
	rm -rf $(TARGET_DIR)/debug/bundle
	packaging/stage.sh $(TARGET_DIR)/debug
	CARGO_PROFILE_DEV_STRIP=true ui/node_modules/.bin/tauri build --debug --bundles deb,rpm

# Regenerate what the UI reads from Rust: ui/src/lib/bindings.ts, commands.ts,
# the capability, and the UI tests' catalogue (ui/tests/catalog.json).
bindings:
	UPDATE_BINDINGS=1 $(CARGO) test -p mailwarden-desktop --lib

bench: deps ui
	$(CARGO) bench -p mailwarden-engine --bench profiles
	$(CARGO) build --release -p mailwarden-cli
	$(CARGO) bench -p mailwarden-tests --bench token
	$(CARGO) bench -p mailwarden-tests --bench smtp
	$(CARGO) bench -p mailwarden-tests --bench relay
	$(CARGO) bench -p mailwarden-tests --bench imap
	$(CARGO) bench -p mailwarden-tests --bench intake
	$(CARGO) build --release -p mailwarden-desktop --features custom-protocol
	$(XVFB) $(CARGO) bench -p mailwarden-tests --bench startup
	$(CARGO) build --release -p mailwarden-empty-app --features custom-protocol
	$(XVFB) $(CARGO) bench -p mailwarden-tests --bench memory

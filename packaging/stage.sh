#!/bin/sh
# What the packages install besides the desktop binary (which Tauri's bundler
# adds with its icons and desktop entry), laid out under
# target/package-root/usr for tauri.conf.json's bundle "files":
# the command line, its man pages and completions (generated from clap), the
# systemd user units, the AppStream metainfo, the licences and changelogs.
# Usage: packaging/stage.sh BIN_DIR   (target/release or target/debug)
set -eu
bin="$1"
root=target/package-root/usr
version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n1)
rm -rf target/package-root
install -d "$root/bin" "$root/lib/systemd/user" "$root/share/metainfo" "$root/share/doc/mailwarden"
install -m 755 "$bin/mailwarden" "$bin/mailwarden-cli" "$root/bin/"
"$bin/mailwarden-cli" generate-assets "$root"
install -m 644 packaging/mailwarden-desktop.1 "$root/share/man/man1/"
# mailwarden-cli is the full command line `mailwarden` hands over to: one page.
echo '.so man1/mailwarden.1' > "$root/share/man/man1/mailwarden-cli.1"
gzip -9n "$root"/share/man/man1/*.1
install -m 644 packaging/systemd/* "$root/lib/systemd/user/"
install -m 644 packaging/org.mailwarden.desktop.metainfo.xml "$root/share/metainfo/"
doc="$root/share/doc/mailwarden"
install -m 644 LICENSE-MIT LICENSE-APACHE "$doc/"
gzip -9nc CHANGELOG.md > "$doc/CHANGELOG.md.gz"
# A native package's changelog.gz is in Debian's format: this version, pointing at the real one.
date=$(sed -n 's/^## [^ ]* — \([0-9-]*\)$/\1/p' CHANGELOG.md | head -n1)
gzip -9nc > "$doc/changelog.gz" <<CHANGES
mailwarden ($version) stable; urgency=medium

  * Release $version: see /usr/share/doc/mailwarden/CHANGELOG.md.gz.

 -- The Mailwarden developers <maintainers@mailwarden.org>  $(date -u -R -d "$date")
CHANGES
# Debian's machine-readable copyright file.
cat > "$doc/copyright" <<COPYRIGHT
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: Mailwarden
Source: the Mailwarden source tree (README.md: Build from source)

Files: *
Copyright: 2026 The Mailwarden developers
License: MIT or Apache-2.0

License: MIT
$(sed 's/^$/./; s/^/ /' LICENSE-MIT)

License: Apache-2.0
 On Debian systems, the full text of the Apache License 2.0 is in
 /usr/share/common-licenses/Apache-2.0, and beside this file (LICENSE-APACHE).
COPYRIGHT
echo "Staged Mailwarden $version from $bin in target/package-root"

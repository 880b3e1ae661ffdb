// Package debtest tests the Debian packages that `make deb` builds, as a
// technician would meet them: it installs them into a minimal Debian root
// made with debootstrap and checks what they put there, what their
// maintainer scripts do on install, upgrade, remove and purge, that
// systemd accepts the units and udev the rules; and it runs the kiosk
// session script against Xvfb. It holds no code of its own beyond the
// tests (docs/install.md describes what is tested and how long it takes).
package debtest

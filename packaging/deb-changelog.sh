#!/bin/sh
# deb-changelog.sh PACKAGE DEB_VERSION VERSION: the Debian changelog of a
# build, on stdout — one entry, for the version being packed (the project's
# history is its git log, which the entry names). The date is the commit's
# (SOURCE_DATE_EPOCH when set), so the same commit packs the same bytes.
set -eu

pkg=${1:?usage: deb-changelog.sh PACKAGE DEB_VERSION VERSION}
deb_version=${2:?usage: deb-changelog.sh PACKAGE DEB_VERSION VERSION}
version=${3:?usage: deb-changelog.sh PACKAGE DEB_VERSION VERSION}

if [ -z "${SOURCE_DATE_EPOCH:-}" ]; then
	SOURCE_DATE_EPOCH=$(git log -1 --format=%ct 2>/dev/null || date +%s)
fi
when=$(LC_ALL=C date -u -R -d "@$SOURCE_DATE_EPOCH")

cat <<END
$pkg ($deb_version) unstable; urgency=medium

  * Built from $version (git describe --tags --always --dirty); the changes
    are in the project's git log.

 -- Yizhan developers <dev@yizhan.invalid>  $when
END

#!/bin/sh
# deb-version.sh VERSION: turns the Makefile's VERSION (git describe --tags
# --always --dirty, or "dev" without git) into a version dpkg accepts and
# orders the way the builds were made:
#
#   v0.3                    -> 0.3
#   v0.3-12-gabc1234        -> 0.3+git12.gabc1234    (after 0.3, before 0.4)
#   v0.3-12-gabc1234-dirty  -> 0.3+git12.gabc1234.dirty
#   v1.0-rc1                -> 1.0~rc1               (before 1.0)
#   abc1234, abc1234-dirty  -> 0.0~gitabc1234[.dirty] (no tag yet: before any 0.x)
#   dev                     -> 0.0~dev
#
# A Debian upstream version must start with a digit and, without a Debian
# revision, hold only letters, digits and . + ~ (no "-", which would start a
# revision). The result is checked and the script fails rather than hand
# nfpm something dpkg would refuse at install time.
set -eu

v=${1:?usage: deb-version.sh VERSION}
v=${v#v}

# A bare hash (no tag reachable) may start with a digit, like a version:
# tell it by its form, hex digits and no dot.
kind=$v
if printf '%s\n' "${v%-dirty}" | grep -Eqx '[0-9a-f]{7,40}'; then
	kind=hash
fi

case $kind in
hash)
	v=0.0~git$(printf '%s\n' "$v" | tr -- '-_' '..')
	;;
[0-9]*)
	# A tag, maybe followed by -N-gHASH (commits since it) and -dirty.
	dirty=
	case $v in *-dirty) dirty=.dirty; v=${v%-dirty} ;; esac
	since=$(printf '%s\n' "$v" | sed -n 's/^.*-\([0-9][0-9]*\)-\(g[0-9a-f][0-9a-f]*\)$/+git\1.\2/p')
	if [ -n "$since" ]; then
		v=$(printf '%s\n' "$v" | sed 's/-[0-9][0-9]*-g[0-9a-f][0-9a-f]*$//')
	fi
	# Whatever "-" is left belongs to the tag (v1.0-rc1): a pre-release,
	# which "~" sorts before the release itself.
	v=$(printf '%s\n' "$v" | tr '-' '~')$since$dirty
	if [ -z "$since" ] && [ -n "$dirty" ]; then
		v=${v%.dirty}+dirty
	fi
	;;
dev)
	v=0.0~dev
	;;
*)
	# No tag reachable: a bare hash, perhaps -dirty.
	v=0.0~git$(printf '%s\n' "$v" | tr -- '-_' '..')
	;;
esac

# Anything else that crept in (a "/" or a space in an odd tag) becomes ".".
v=$(printf '%s\n' "$v" | sed 's/[^A-Za-z0-9.+~]/./g')
case $v in
[0-9]*) ;;
*) echo "deb-version.sh: cannot make a Debian version of '$1'" >&2; exit 1 ;;
esac
printf '%s\n' "$v"

#!/bin/sh
# Run by docker/Dockerfile.asterisk's build stage: leaves Asterisk in /opt/asterisk (sbin/, lib/,
# lib/asterisk/modules/, share/documentation/), from
#   - ASTERISK_TARBALL, a file in docker/asterisk/: a prebuilt tree (asterisk-<v>/sbin/asterisk …,
#     like ../shared/asterisk's) is unpacked; a source tarball is compiled;
#   - or, without it, the source of ASTERISK_VERSION downloaded from downloads.asterisk.org.
# Compiling: ./configure $ASTERISK_CONFIGURE (default: bundled pjproject for PJSIP; its release
# tarball pjproject-<v>.tar.bz2 is taken from docker/asterisk/ when there, else downloaded).
set -eu
here=/usr/src/hotline
apt_get() {
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

if [ -n "${ASTERISK_TARBALL:-}" ]; then
  tarball=$here/$ASTERISK_TARBALL
  if [ ! -f "$tarball" ]; then
    echo "ASTERISK_TARBALL=$ASTERISK_TARBALL: put that file in docker/asterisk/ first" >&2
    exit 1
  fi
  apt_get xz-utils bzip2
  top=$(tar -tf "$tarball" | head -1 | cut -d/ -f1)
  if tar -tf "$tarball" | grep -qx "$top/sbin/asterisk"; then
    tar -xf "$tarball" -C /opt
    mv "/opt/$top" /opt/asterisk
    echo "Asterisk: the prebuilt tree $top from $ASTERISK_TARBALL"
    exit 0
  fi
  tar -xf "$tarball" -C /usr/src
  src=/usr/src/$top
  echo "Asterisk: compiling $top from $ASTERISK_TARBALL"
else
  apt_get ca-certificates curl
  curl -fsSL "https://downloads.asterisk.org/pub/telephony/asterisk/releases/asterisk-$ASTERISK_VERSION.tar.gz" \
    | tar -xz -C /usr/src
  src=/usr/src/asterisk-$ASTERISK_VERSION
  echo "Asterisk: compiling the downloaded asterisk-$ASTERISK_VERSION"
fi

apt_get build-essential pkg-config ca-certificates curl bzip2 patch python3 libedit-dev libjansson-dev \
  libssl-dev libsqlite3-dev libxml2-dev libxslt1-dev uuid-dev
cd "$src"
# shellcheck disable=SC2086 # the flags are words
./configure --prefix=/opt/asterisk --with-externals-cache="$here" $ASTERISK_CONFIGURE >/dev/null
make menuselect.makeopts >/dev/null
# no sound packages (they are downloaded at install time): the IVR's prompts are mounted on the
# sounds folder (docker/compose.production.yml)
menuselect/menuselect --enable app_mixmonitor --enable app_chanspy --enable res_agi --enable app_queue \
  --disable-category MENUSELECT_CORE_SOUNDS --disable-category MENUSELECT_MOH \
  --disable-category MENUSELECT_EXTRA_SOUNDS menuselect.makeopts
make -j"$(nproc)" >/dev/null
make install >/dev/null
# a source install keeps its documentation (the AGI usage texts) under the data folder
if [ ! -d /opt/asterisk/share/documentation ]; then
  mkdir -p /opt/asterisk/share
  cp -a /opt/asterisk/var/lib/asterisk/documentation /opt/asterisk/share/documentation
fi
rm -rf /opt/asterisk/var /opt/asterisk/etc /opt/asterisk/include
strip --strip-unneeded /opt/asterisk/sbin/asterisk /opt/asterisk/lib/*.so* /opt/asterisk/lib/asterisk/modules/*.so \
  2>/dev/null || true
if [ -f /opt/asterisk/lib/asterisk/modules/chan_pjsip.so ]; then
  echo "Asterisk: built with PJSIP"
else
  echo "Asterisk: built WITHOUT PJSIP (no pjproject): Local channels only"
fi

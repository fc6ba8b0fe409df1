#!/bin/sh
# Finds the system tools that `npm test` needs and installs the missing ones
# with apt-get when running as root; otherwise stops and says what to install.
set -eu

missing=""
command -v "${KEYSTATE_CHROMIUM:-/usr/bin/chromium}" >/dev/null 2>&1 || missing="$missing chromium"
command -v softhsm2-util >/dev/null 2>&1 || missing="$missing softhsm2"
command -v pkcs11-tool >/dev/null 2>&1 || missing="$missing opensc"

[ -z "$missing" ] && exit 0

if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "check-tools: installing$missing with apt-get (about a minute)" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  # shellcheck disable=SC2086
  apt-get install -y -qq $missing >&2
  exit 0
fi

cat >&2 <<TEXT
npm test needs these programs, which are not installed:$missing

On Debian or Ubuntu, install them as root:
  apt-get update && apt-get install -y$missing

Chromium must be at /usr/bin/chromium, or set KEYSTATE_CHROMIUM to its path.
TEXT
exit 1

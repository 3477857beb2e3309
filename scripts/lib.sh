# Shared by ./hotline and ./run-tests: set up what they need on a fresh Debian/Ubuntu machine.
# Everything here is idempotent and quiet when there is nothing to do.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VENV=${HOTLINE_VENV:-$ROOT/.venv}
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO=sudo; fi
APT_UPDATED=""

say() { printf '[hotline] %s\n' "$*" >&2; }

apt_install() {
  # apt_install PKG... : install the Debian packages that are missing
  local missing=()
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  if ! command -v apt-get >/dev/null; then
    say "cannot install ${missing[*]}: no apt-get on this machine"; return 1
  fi
  if [ -z "$APT_UPDATED" ]; then
    say "apt-get update"; $SUDO apt-get update -qq >/dev/null || true; APT_UPDATED=1
  fi
  say "installing ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
}

find_python() {
  for py in python3.13 python3.12 python3.11 python3; do
    if command -v "$py" >/dev/null && "$py" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
      echo "$py"; return 0
    fi
  done
  return 1
}

ensure_venv() {
  # ensure_venv EXTRAS : a virtualenv with the project installed (editable), re-installed when
  # pyproject.toml changes
  local extras=$1 py stamp want
  if [ ! -x "$VENV/bin/python" ]; then
    py=$(find_python) || { apt_install python3 python3-venv python3-pip; py=$(find_python); } || {
      apt_install python3.11 python3.11-venv; py=$(find_python); } || { say "need Python >= 3.11"; exit 1; }
    "$py" -m venv "$VENV" 2>/dev/null || { apt_install python3-venv "$(basename "$py")-venv" || true; "$py" -m venv "$VENV"; }
  fi
  stamp=$VENV/.hotline-installed
  want="$(sha256sum "$ROOT/pyproject.toml" | cut -c1-16) $extras"
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    say "installing Python packages into $VENV"
    "$VENV/bin/python" -m pip install -q --upgrade pip >/dev/null
    "$VENV/bin/python" -m pip install -q -e "$ROOT[$extras]"
    echo "$want" > "$stamp"
  fi
}

port_open() { "$VENV/bin/python" - "$1" "$2" <<'PY'
import socket, sys
try:
    socket.create_connection((sys.argv[1], int(sys.argv[2])), 1).close()
except OSError:
    sys.exit(1)
PY
}

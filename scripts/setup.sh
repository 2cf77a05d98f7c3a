#!/usr/bin/env bash
# Set up everything `make demo` and `make test` need, idempotently:
#   1. a Python >= 3.11,
#   2. ExifTool (Debian: libimage-exiftool-perl) and exiv2, installed with
#      apt-get when missing and we are root (or have password-less sudo),
#   3. a virtualenv ($VENV, default .venv) with the project and its packages.
# Exit codes: 0 ready; 3 something could not be installed (the message says
# what to install by hand).
set -euo pipefail

PYTHON="${PYTHON:-python3}"
VENV="${VENV:-.venv}"
cd "$(dirname "$0")/.."

say() { printf 'setup: %s\n' "$*" >&2; }
fail() { printf 'setup: ERROR: %s\n' "$*" >&2; exit 3; }

as_root() {
    if [ "$(id -u)" = 0 ]; then "$@"
    elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo -n "$@"
    else return 1
    fi
}

apt_install() {
    command -v apt-get >/dev/null 2>&1 || return 1
    say "installing Debian packages: $*"
    if [ ! -f /tmp/.packager-apt-updated ]; then
        as_root apt-get update -qq >&2 || return 1
        touch /tmp/.packager-apt-updated 2>/dev/null || true
    fi
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >&2
}

# 1. Python
command -v "$PYTHON" >/dev/null 2>&1 || fail "$PYTHON not found; install Python 3.11 or newer (Debian: apt-get install python3)"
"$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
    || fail "$("$PYTHON" --version 2>&1) is too old; Python 3.11 or newer is needed (set PYTHON=python3.11)"

# 2. ExifTool and exiv2
missing=()
command -v exiftool >/dev/null 2>&1 || missing+=(libimage-exiftool-perl)
command -v exiv2 >/dev/null 2>&1 || missing+=(exiv2)
if [ ${#missing[@]} -gt 0 ]; then
    apt_install "${missing[@]}" || fail "could not install ${missing[*]}: run 'sudo apt-get install ${missing[*]}' (ExifTool is required; exiv2 is used by the tests)"
fi
exiftool -ver >/dev/null 2>&1 || fail "exiftool is installed but does not run; reinstall libimage-exiftool-perl"

# 3. Virtualenv and packages
if [ ! -x "$VENV/bin/python" ]; then
    say "creating virtualenv $VENV"
    if ! "$PYTHON" -m venv "$VENV" >&2 2>/dev/null; then
        rm -rf "$VENV"
        apt_install python3-venv || fail "'$PYTHON -m venv' failed; install Debian's python3-venv"
        "$PYTHON" -m venv "$VENV" >&2 || fail "'$PYTHON -m venv $VENV' failed"
    fi
fi
stamp="$VENV/.installed"
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
    say "installing Python packages into $VENV"
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check -e '.[test,dask]' >&2 \
        || fail "pip could not install the project's packages (see above)"
    touch "$stamp"
fi

#!/usr/bin/env bash
# Installs `cw` from this checkout: checks the prerequisites, installs the dependencies, builds, and puts a
# small `cw` wrapper into $PREFIX/bin (default ~/.local/bin) that runs this checkout's dist/cw.js.
# Safe to run again (after a `git pull`, say): it rebuilds and rewrites the wrapper.
#
#   ./install.sh                    # installs into ~/.local/bin
#   PREFIX=/usr/local ./install.sh  # installs into /usr/local/bin
set -euo pipefail

REPO="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)"
PREFIX="${PREFIX:-$HOME/.local}"
BIN_DIR="$PREFIX/bin"
TARGET="$BIN_DIR/cw"

say() { printf '==> %s\n' "$*"; }
fail() {
  printf 'install.sh: %s\n' "$1" >&2
  shift
  for line in "$@"; do printf '  %s\n' "$line" >&2; done
  exit 1
}

# --- Node.js 20 or newer, with npm ------------------------------------------------------------------------
if ! command -v node >/dev/null 2>&1; then
  fail 'Node.js is not installed; cw needs Node.js 20 or newer.' \
    'Install Node.js 20 (LTS) or newer from your package manager, nodesource, or nvm (`nvm install 20`),' \
    'then run ./install.sh again.'
fi
NODE_VERSION="$(node -p 'process.versions.node')"
NODE_MAJOR="${NODE_VERSION%%.*}"
if [ "$NODE_MAJOR" -lt 20 ]; then
  fail "Node.js $NODE_VERSION is too old; cw needs Node.js 20 or newer." \
    'Install Node.js 20 (LTS) or newer (with nvm: `nvm install 20 && nvm use 20`), then run ./install.sh again.'
fi
if ! command -v npm >/dev/null 2>&1; then
  fail 'npm is not installed (it normally comes with Node.js).' \
    'Install npm for your Node.js (Debian/Ubuntu: `sudo apt-get install -y npm`), then run ./install.sh again.'
fi
say "Node.js $NODE_VERSION, npm $(npm --version)"

# --- Build tools for the native modules (node-pty, better-sqlite3) ------------------------------------------
# Prebuilt binaries cover the common platforms; when none fits, npm compiles them and needs these.
missing=()
command -v python3 >/dev/null 2>&1 || missing+=(python3)
command -v make >/dev/null 2>&1 || missing+=(make)
if ! command -v g++ >/dev/null 2>&1 && ! command -v clang++ >/dev/null 2>&1 && ! command -v c++ >/dev/null 2>&1; then
  missing+=('a C++ compiler (g++ or clang++)')
fi
if [ "${#missing[@]}" -gt 0 ]; then
  printf -v list '%s, ' "${missing[@]}"
  fail "missing build tools needed to compile node-pty and better-sqlite3: ${list%, }." \
    'Debian/Ubuntu:  sudo apt-get install -y python3 make g++' \
    'Fedora/RHEL:    sudo dnf install -y python3 make gcc-c++' \
    'Alpine:         sudo apk add python3 make g++' \
    'macOS:          xcode-select --install' \
    'then run ./install.sh again.'
fi

# --- Dependencies and build ---------------------------------------------------------------------------------
cd "$REPO"
if [ -f package-lock.json ]; then
  say 'Installing dependencies (npm ci)'
  npm_log="$(mktemp)"
  if npm ci --no-audit --no-fund >"$npm_log" 2>&1; then
    grep -v '^npm warn' "$npm_log" | tail -n 3 || true
  elif grep -q 'can only install packages when your package.json and package-lock.json' "$npm_log"; then
    # Only a lockfile npm considers out of sync with package.json (e.g. it lacks platform-specific optional
    # packages) falls back; any other failure (network, compiler) stops below.
    grep -m1 'can only install packages' "$npm_log" >&2 || true
    say 'npm ci refused the lockfile (above); installing with `npm install --no-save` instead (package-lock.json untouched)'
    npm install --no-save --no-audit --no-fund
  else
    tail -n 40 "$npm_log" >&2
    rm -f "$npm_log"
    fail 'npm ci failed (see above).' \
      'If it failed compiling node-pty or better-sqlite3, check the build tools: python3, make, g++.'
  fi
  rm -f "$npm_log"
else
  say 'Installing dependencies (npm install: no package-lock.json)'
  npm install --no-audit --no-fund
fi
say 'Building (npm run build)'
npm run build
[ -f "$REPO/dist/cw.js" ] || fail "the build did not produce $REPO/dist/cw.js"

# --- The `cw` command ---------------------------------------------------------------------------------------
mkdir -p "$BIN_DIR"
# Replace whatever is there (an older wrapper or a symlink) atomically; never write through a symlink.
tmp="$(mktemp "$BIN_DIR/.cw.XXXXXX")"
trap 'rm -f "$tmp"' EXIT
NODE_BIN="$(command -v node)"
# Single-quotes a string for /bin/sh (works for any path, spaces and quotes included).
shq() { printf "'%s'" "${1//\'/\'\\\'\'}"; }
{
  printf '#!/bin/sh\n'
  printf '# cw: installed by install.sh from %s; re-run it after updating that checkout.\n' "$REPO"
  # The node found at install time first (the one the native modules were built for), else the one on PATH.
  printf 'if [ -x %s ]; then exec %s %s "$@"; fi\n' "$(shq "$NODE_BIN")" "$(shq "$NODE_BIN")" "$(shq "$REPO/dist/cw.js")"
  printf 'exec node %s "$@"\n' "$(shq "$REPO/dist/cw.js")"
} >"$tmp"
chmod 755 "$tmp"
mv -f "$tmp" "$TARGET"
trap - EXIT
say "Installed $TARGET -> $REPO/dist/cw.js"

# --- Verify ------------------------------------------------------------------------------------------------
if ! version="$("$TARGET" version)"; then
  fail "$TARGET was installed but \`$TARGET version\` failed."
fi
say "$version"

on_path=false
case ":${PATH}:" in
  *":$BIN_DIR:"*) on_path=true ;;
esac

cat <<EOF

cw is installed. Try:
  cw launch --name demo -- bash     # start a session (the daemon starts by itself)
  cw list                           # see your sessions
  cw attach demo                    # Ctrl+B then d detaches; the session keeps running
EOF
if [ "$on_path" = false ]; then
  cat <<EOF

Warning: $BIN_DIR is not on your PATH, so \`cw\` will not be found yet. Add this line to your
~/.bashrc (or ~/.zshrc), then open a new terminal:
  export PATH="$BIN_DIR:\$PATH"
Until then, run it as $TARGET.
EOF
fi

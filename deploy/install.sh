#!/usr/bin/env bash
# OpenClaw installer: checks Node.js and npm, installs (or upgrades) the `openclaw` package with npm,
# verifies the installed version, then runs `openclaw onboard`.
#
#   curl -fsSL https://openclaw.ai/install.sh | bash
#   curl -fsSL https://openclaw.ai/install.sh | bash -s -- --dry-run
#
# Run with --help for the options and environment variables.
set -euo pipefail

MIN_NODE="20.19.0"
PACKAGE="openclaw"
USER_PREFIX="${OPENCLAW_NPM_PREFIX:-$HOME/.npm-global}"
DRY_RUN=0
NO_ONBOARD="${OPENCLAW_NO_ONBOARD:-0}"
TAG="${OPENCLAW_INSTALL_TAG:-}"
TARBALL="${OPENCLAW_INSTALL_TARBALL:-}"

usage() {
  cat <<'EOF'
OpenClaw installer

Usage: install.sh [--dry-run] [--no-onboard] [--tag <version|dist-tag>] [--beta] [--help]

  --dry-run      print what would be done, change nothing
  --no-onboard   do not run `openclaw onboard` afterwards (same as OPENCLAW_NO_ONBOARD=1)
  --tag <v>      install this version or dist-tag (same as OPENCLAW_INSTALL_TAG)
  --beta         install the beta dist-tag (same as OPENCLAW_BETA=1)
  --help         show this help

Environment:
  OPENCLAW_INSTALL_TAG=2026.11.25   a version or dist-tag (default: latest)
  OPENCLAW_BETA=1                   the beta dist-tag
  OPENCLAW_INSTALL_TARBALL=<file>   install a local package file (npm pack output) instead of the registry
  OPENCLAW_NO_ONBOARD=1             skip onboarding
  OPENCLAW_NPM_PREFIX=<dir>         the user prefix used when the global one is not writable
                                    (default: ~/.npm-global)

Needs Node.js 20.19 or newer and npm. Supported: Linux, macOS, and Windows through WSL2.
EOF
}

say() { printf '%s\n' "$*"; }
die() {
  printf 'Error: %s\n' "$1" >&2
  [ $# -gt 1 ] && printf '%s\n' "$2" >&2
  exit 1
}
run() {
  if [ "$DRY_RUN" = 1 ]; then
    say "[dry-run] $*"
  else
    "$@"
  fi
}

while [ $# -gt 0 ]; do
  case "$1" in
    --help | -h) usage; exit 0 ;;
    --dry-run) DRY_RUN=1 ;;
    --no-onboard) NO_ONBOARD=1 ;;
    --beta) OPENCLAW_BETA=1 ;;
    --tag)
      [ $# -ge 2 ] || die "--tag needs a value" "For example: --tag 2026.11.25 or --tag beta"
      TAG="$2"
      shift
      ;;
    --tag=*) TAG="${1#--tag=}" ;;
    *) die "unknown option: $1" "See: install.sh --help" ;;
  esac
  shift
done

# --- where we are -------------------------------------------------------------------------------
os="$(uname -s 2>/dev/null || echo unknown)"
case "$os" in
  Linux)
    if grep -qi microsoft /proc/version 2>/dev/null; then platform="WSL2"; else platform="Linux"; fi
    ;;
  Darwin) platform="macOS" ;;
  MINGW* | MSYS* | CYGWIN* | Windows_NT)
    die "native Windows is not supported by this installer" \
      "Install WSL2 (in PowerShell as administrator: wsl --install), open the Ubuntu shell, and run this installer there. See docs/deploy-windows-wsl2.md."
    ;;
  *) die "unsupported system: $os" "OpenClaw runs on Linux, macOS, and Windows through WSL2." ;;
esac
say "==> System: $platform ($(uname -m 2>/dev/null || echo unknown))"

# --- Node.js and npm ----------------------------------------------------------------------------
node_hint() {
  case "$platform" in
    macOS) say "Install Node.js 22 LTS: brew install node@22 (or https://nodejs.org/en/download)" ;;
    *) say "Install Node.js 22 LTS with your package manager or nvm (nvm install 22), or from https://nodejs.org/en/download. Debian and Ubuntu's own nodejs package may be older than $MIN_NODE." ;;
  esac
}
command -v node >/dev/null 2>&1 || die "Node.js is not installed (OpenClaw needs $MIN_NODE or newer)" "$(node_hint)"
node_version="$(node -p 'process.versions.node' 2>/dev/null || true)"
[ -n "$node_version" ] || die "node is on PATH but does not run ($(command -v node))" "$(node_hint)"
version_ge() { # is $1 >= $2 (x.y.z)?
  local IFS=.
  # shellcheck disable=SC2206 # splitting on dots is the point
  local a=($1) b=($2)
  for i in 0 1 2; do
    [ "${a[i]:-0}" -gt "${b[i]:-0}" ] && return 0
    [ "${a[i]:-0}" -lt "${b[i]:-0}" ] && return 1
  done
  return 0
}
version_ge "$node_version" "$MIN_NODE" || die "Node.js $node_version is too old (OpenClaw needs $MIN_NODE or newer)" "$(node_hint)"
command -v npm >/dev/null 2>&1 || die "npm is not installed (it comes with Node.js)" "$(node_hint)"
say "==> Node.js $node_version, npm $(npm --version 2>/dev/null || echo '?')"

# --- what to install ----------------------------------------------------------------------------
if [ -n "$TARBALL" ]; then
  [ -f "$TARBALL" ] || die "OPENCLAW_INSTALL_TARBALL=$TARBALL does not exist" "Point it at a file made by npm pack."
  spec="$(cd "$(dirname "$TARBALL")" && pwd)/$(basename "$TARBALL")"
  # The version inside the package file, to check the result against.
  want="$(tar -xzOf "$spec" package/package.json 2>/dev/null | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{try{console.log(JSON.parse(s).version)}catch{}})')"
  [ -n "$want" ] || die "$TARBALL is not an npm package file (no package/package.json inside)" "Make one with: npm pack"
else
  if [ -z "$TAG" ]; then
    if [ "${OPENCLAW_BETA:-0}" = 1 ]; then TAG="beta"; else TAG="latest"; fi
  fi
  case "$TAG" in
    *[!A-Za-z0-9._-]*) die "invalid tag or version: $TAG" "Use a version (2026.11.25) or a dist-tag (latest, beta)." ;;
  esac
  spec="$PACKAGE@$TAG"
  want="$(npm view "$spec" version 2>/dev/null | tail -n 1 || true)"
  [ -n "$want" ] || die "could not find $spec in the npm registry" "Check the network, or the version with: npm view $PACKAGE versions"
fi

# --- where to install: the global prefix if writable, else a prefix in the home directory --------
global_prefix="$(npm prefix -g 2>/dev/null || true)"
writable() { # can we write $1, or create it under its nearest existing parent?
  local dir="$1"
  while [ ! -e "$dir" ]; do dir="$(dirname "$dir")"; done
  [ -w "$dir" ]
}
if [ -n "$global_prefix" ] && writable "$global_prefix/lib/node_modules" && writable "$global_prefix/bin"; then
  prefix="$global_prefix"
  prefix_args=()
else
  prefix="$USER_PREFIX"
  prefix_args=(--prefix "$prefix")
  say "==> The global npm prefix ($global_prefix) is not writable; installing into $prefix"
fi
bin="$prefix/bin/openclaw"

current=""
if [ -x "$bin" ]; then current="$("$bin" --version 2>/dev/null || true)"; fi
if [ -n "$current" ] && [ "$current" = "$want" ]; then
  say "==> openclaw $want is already installed in $prefix; reinstalling it"
elif [ -n "$current" ]; then
  say "==> Upgrading openclaw $current to $want"
else
  say "==> Installing openclaw $want"
fi

run mkdir -p "$prefix"
# ${a[@]+"${a[@]}"}: an empty array is "unbound" to bash 3.2 (macOS) under set -u.
run npm install -g ${prefix_args[@]+"${prefix_args[@]}"} --no-fund --no-audit --loglevel=error "$spec" ||
  die "npm install failed" "See the npm output above; with a proxy, set npm config set proxy …"

# --- PATH for a user prefix ---------------------------------------------------------------------
if [ "$prefix" = "$USER_PREFIX" ]; then
  case "${SHELL:-}" in
    */zsh) profile="$HOME/.zshrc" ;;
    */bash) profile="$HOME/.bashrc" ;;
    *) profile="$HOME/.profile" ;;
  esac
  line="export PATH=\"$prefix/bin:\$PATH\" # added by the OpenClaw installer"
  if [ -f "$profile" ] && grep -qF "# added by the OpenClaw installer" "$profile"; then
    : # already there (running the installer again changes nothing)
  else
    say "==> Adding $prefix/bin to PATH in $profile"
    if [ "$DRY_RUN" = 1 ]; then say "[dry-run] echo '$line' >> $profile"; else printf '\n%s\n' "$line" >>"$profile"; fi
  fi
  case ":$PATH:" in
    *":$prefix/bin:"*) ;;
    *) say "    Open a new shell, or run: export PATH=\"$prefix/bin:\$PATH\"" ;;
  esac
fi

[ "$DRY_RUN" = 1 ] && { say "==> Dry run: nothing was changed."; exit 0; }

# --- check the result ---------------------------------------------------------------------------
[ -x "$bin" ] || die "npm finished but $bin is missing" "Check: npm ls -g --prefix $prefix $PACKAGE"
installed="$("$bin" --version 2>/dev/null || true)"
[ "$installed" = "$want" ] || die "the installed version is '$installed', expected $want" "Another openclaw may shadow it; check: which -a openclaw"
"$bin" --help >/dev/null || die "openclaw --help failed after the install" "Run it to see the error: $bin --help"
say "==> openclaw $installed is installed: $bin"

# --- onboarding ---------------------------------------------------------------------------------
if [ "$NO_ONBOARD" = 1 ]; then
  say "==> Skipping onboarding (OPENCLAW_NO_ONBOARD=1). Next: openclaw onboard"
elif (: </dev/tty) 2>/dev/null; then
  # Piped from curl, stdin is the script itself: the questions go to the terminal.
  say "==> Starting onboarding"
  "$bin" onboard </dev/tty >/dev/tty 2>&1 || die "onboarding did not finish" "Run it again: openclaw onboard"
else
  say "==> No terminal for the questions. Next: openclaw onboard (or openclaw onboard --non-interactive --accept-risk …)"
fi

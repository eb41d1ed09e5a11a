# Shared set-up for PlateShell's scripts: installs what is missing, idempotently.
# Source it from a script whose working directory is the project root.

# The Debian packages the code links (system-library targets) and the scripts use.
PLATESHELL_APT_PACKAGES=(libedit-dev libssl-dev libcurl4-openssl-dev libsqlite3-dev liblapacke-dev libopenblas-dev libcairo2-dev libzmq3-dev libisal-dev libmicrohttpd-dev fonts-dejavu-core python3-venv)

# Runs a command as root (directly when already root, through sudo otherwise).
as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# Installs the listed Debian packages that are not installed yet (all of PLATESHELL_APT_PACKAGES by default).
ensure_apt_packages() {
  local wanted=("$@")
  [ ${#wanted[@]} -gt 0 ] || wanted=("${PLATESHELL_APT_PACKAGES[@]}")
  local missing=()
  for package in "${wanted[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "== installing Debian packages: ${missing[*]}"
    as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
}

# Creates (or reuses) the Python venv at $1 and installs the pip requirements that follow.
ensure_venv() {
  local venv=$1; shift
  if [ ! -x "$venv/bin/python" ]; then
    echo "== creating Python venv $venv"
    python3 -m venv "$venv"
  fi
  if ! "$venv/bin/pip" freeze 2>/dev/null | grep -qixF -f <(printf '%s\n' "$@"); then
    echo "== pip install $*"
  fi
  "$venv/bin/pip" install -q --disable-pip-version-check "$@"
}

# The real data set: $PLATESHELL_DATA, else ../shared/data/faults.csv beside the checkout.
data_source() {
  if [ -n "${PLATESHELL_DATA:-}" ] && [ -f "$PLATESHELL_DATA" ]; then echo "$PLATESHELL_DATA"; return; fi
  if [ -f ../shared/data/faults.csv ]; then echo "../shared/data/faults.csv"; return; fi
  echo ""
}

# Replays each notebook script in its own run (one workspace, in order), writing each replay with its
# outputs as OUTDIR/NAME.ipynb and OUTDIR/NAME.html; stops at the first replay that fails.
# Usage: export_notebooks BINARY WORKSPACE OUTDIR SCRIPT...
export_notebooks() {
  local binary=$1 workspace=$2 outdir=$3; shift 3
  mkdir -p "$outdir"
  for script in "$@"; do
    local name
    name=$(basename "$script" .plsh)
    "$binary" --workspace "$workspace" run "$script" --export "$outdir/$name.ipynb" --export "$outdir/$name.html" || return 1
  done
}

# Builds the release plateshell binary, printing one line per module as its compilation ends
# (what swift build reports when its output is not a terminal) with the seconds since the build
# started. It builds in two steps, Engine first: on two cores SwiftPM starts the long compiles
# that are ready first (SwiftProtobuf and GRDB), which left the ML core waiting for its small C
# targets; with Engine first the ML core compiles beside GRDB, and SwiftProtobuf (Spark Connect's)
# beside the Interpreter. On one commit, one step took 220 s and two 209 s: within the machine's
# noise, measured once each (docs/PERFORMANCE.md, "The fresh build"). Returns swift build's status.
build_release() {
  local started=$SECONDS status=0 what line step words pipefail_was
  pipefail_was=$(set +o | grep pipefail)
  for what in "--target Engine" "--product plateshell"; do
    set +o pipefail
    # shellcheck disable=SC2086 # $what is two words
    swift build -c release --static-swift-stdlib $what 2>&1 | while IFS= read -r line; do
      case "$line" in
        "["*"] Compiling "*|"["*"] Linking "*)
          step=${line%%]*}; words=(${line#*] })
          printf '   %4d s  %-9s %s %s\n' $((SECONDS - started)) "$step]" "${words[0]}" "${words[1]}" ;;
        Fetching*|Cloning*) echo "   $line" ;;
        *error:*|*"Build of product"*) echo "$line" ;;
      esac
    done
    status=${PIPESTATUS[0]}
    eval "$pipefail_was"
    [ "$status" -eq 0 ] || return "$status"
  done
}

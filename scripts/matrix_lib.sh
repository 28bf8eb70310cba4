#!/usr/bin/env bash
# Shared by scripts/matrix.sh and scripts/matrix_venv.sh: read .ci/matrix.txt and find pyenv interpreters.
# shellcheck disable=SC2034  # the variables are read by the scripts that source this file
MATRIX_FILE="${MATRIX_FILE:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/.ci/matrix.txt}"
# Version venvs live outside the checkout (so no linter, sanity test or build ever walks them) and are shared by every
# checkout of the machine; each is rebuilt only when its pinned requirements change.
MATRIX_VENVS="${MATRIX_VENVS:-$HOME/.cache/secops-falcon/venv-matrix}"
PYENV_ROOT="${PYENV_ROOT:-$HOME/.pyenv}"

# matrix_lines: the non-comment lines of the matrix file.
matrix_lines() { grep -vE '^\s*(#|$)' "$MATRIX_FILE"; }

# matrix_field CORE N: field N (1-based) of the line for ansible-core CORE.
matrix_field() { matrix_lines | awk -v core="$1" -v n="$2" '$1 == core { print $n }'; }

# real_python X.Y: the path of a real CPython X.Y (never a pyenv shim, which fails when that version is not active).
real_python() {
  local want="$1" dir
  for dir in "$PYENV_ROOT"/versions/"$want".*; do
    [ -x "$dir/bin/python$want" ] && { echo "$dir/bin/python$want"; return 0; }
  done
  for dir in /usr/local/bin /usr/bin; do
    [ -x "$dir/python$want" ] && { echo "$dir/python$want"; return 0; }
  done
  return 1
}

# need_python X.Y WHY: the path of Python X.Y, or stop with a message saying what needs it and how to get it.
need_python() {
  real_python "$1" || {
    echo "ERROR: Python $1 is needed ($2) but not installed: no $PYENV_ROOT/versions/$1.*/bin/python$1" \
         "and no /usr/bin/python$1. Install it (e.g. pyenv install $1) or remove it from $MATRIX_FILE." >&2
    exit 2
  }
}

# stage_collection ROOT: set COLL (a real .../ansible_collections/secops/falcon holding ROOT) and CROOT (the directory
# above ansible_collections). ansible-test needs that layout as a real path (a symlink is not enough): a checkout
# elsewhere is copied to a temporary directory, removed when the calling script exits.
stage_collection() {
  case "$1" in
    */ansible_collections/secops/falcon) COLL="$1"; CROOT="$(cd "$1/../../.." && pwd)";;
    *) CROOT="$(mktemp -d)"; COLL="$CROOT/ansible_collections/secops/falcon"; mkdir -p "$COLL"
       # shellcheck disable=SC2064  # expand now: the path is fixed
       trap "rm -rf '$CROOT'" EXIT
       (cd "$1" && tar --exclude=./.git --exclude=./.venv --exclude=./tests/output --exclude=__pycache__ \
          --exclude=./.pytest_cache --exclude=./.ansible --exclude=./collections --exclude=./reports -cf - .) \
         | (cd "$COLL" && tar xf -);;
  esac
}

# offline CMD...: run CMD with no network but loopback (unshare -rn), or as it is where namespaces are not allowed.
if unshare -rn sh -c 'ip link set lo up' >/dev/null 2>&1; then
  offline() { unshare -rn sh -c 'ip link set lo up && exec "$@"' offline "$@"; }
else
  offline() { "$@"; }
fi

# ansible_test_bootstrap SITE PYTHON: ansible-test's pip bootstrap of the ansible-core installed in SITE, offline
# (toolchain gotcha 1): the wheels its first package pin names (pip; 2.16 and 2.17 add setuptools and wheel) downloaded
# with PYTHON's pip into ~/.ansible/test/cache, and the get-pip shim there under the name ansible-test looks for.
ansible_test_bootstrap() {
  local cache="$HOME/.ansible/test/cache" pins pipv
  pins="$("$2" - "$1/ansible_test/_internal/python_requirements.py" <<'PY'
import re, sys
text = open(sys.argv[1], encoding='utf-8').read()
first = re.search(r"default_packages = dict\((.*?)\)", text, re.S)
print(' '.join('%s==%s' % pin for pin in re.findall(r"(\w+)='([0-9.]+)'", first.group(1))))
PY
)"
  mkdir -p "$cache"
  pipv="${pins%% *}"; pipv="${pipv#pip==}"
  (
    flock 8  # several cores' venvs may be made at once (scripts/test_all.sh prefetches them): one writer at a time
    local pin missing=()
    for pin in $pins; do  # only what is not there yet: ansible-test may be reading the others right now
      compgen -G "$cache/${pin%%==*}-${pin#*==}-*.whl" >/dev/null || missing+=("$pin")
    done
    [ "${#missing[@]}" -eq 0 ] || "$2" -m pip download -q --disable-pip-version-check --no-deps "${missing[@]}" -d "$cache" >&2
    # shellcheck disable=SC2153  # ROOT: set by every script that sources this file
    cp "$ROOT/.ci/ansible_test_get_pip.py" "$cache/.get_pip.tmp" && mv "$cache/.get_pip.tmp" "$cache/get_pip_${pipv//./_}.py"
  ) 8>"$cache/.lock"
}

# banner TEXT: a stage heading with the seconds since the outermost script started (scripts/test_all.sh exports the
# start to the scripts it calls), so CI logs show one clock.
export MATRIX_T0="${MATRIX_T0:-$(date +%s)}"
banner() { printf '\n=== %s (%ss)\n' "$1" "$(( $(date +%s) - MATRIX_T0 ))"; }

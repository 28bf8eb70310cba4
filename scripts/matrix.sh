#!/usr/bin/env bash
# scripts/matrix.sh STAGE [CORE ...]: run one stage on every ansible-core of .ci/matrix.txt whose line lists it (or on
# the CORE versions given). Each core runs in its own venv from PyPI (scripts/matrix_venv.sh); the main venv ($VENV)
# serves the line whose core it already has. Every stage says which ansible-core and Python it used.
#   sanity       ansible-test sanity (every test) on the controller Python, then its compile and import tests on every
#                target Python of the line (real pyenv interpreters first on PATH; each must have run)
#   units        pytest tests/unit
#   integration  pytest tests/integration and the secret-leak tests (real ansible-playbook against the emulator)
#   secrets      the secret-leak tests alone, once on each execution path (the first patches of 2.16 and 2.17)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/matrix_lib.sh
. "$ROOT/scripts/matrix_lib.sh"
STAGE="${1:?usage: matrix.sh sanity|units|integration|secrets [ANSIBLE_CORE_VERSION ...]}"; shift
case "$STAGE" in sanity|units|integration|secrets) ;; *) echo "ERROR: unknown stage '$STAGE' (sanity, units, integration or secrets)" >&2; exit 2;; esac
VENV="${VENV:-$ROOT/.venv}"
export PIP_DISABLE_PIP_VERSION_CHECK=1 NO_COLOR=1 PY_COLORS=0 ANSIBLE_NOCOLOR=1 ANSIBLE_FORCE_COLOR=0
export ANSIBLE_LOCALHOST_WARNING=False ANSIBLE_INVENTORY_UNPARSED_WARNING=False

if [ "$#" -gt 0 ]; then CORES=("$@")
else mapfile -t CORES < <(matrix_lines | awk -v s="$STAGE" '("," $5 ",") ~ ("," s ",") { print $1 }')
fi
stage_collection "$ROOT"
cd "$COLL"

# venv_for CORE: the main venv when it has exactly this ansible-core, else the matrix venv of CORE.
venv_for() {
  if [ -x "$VENV/bin/python" ] && [ "$("$VENV/bin/python" -c 'import ansible.release as r; print(r.__version__)' 2>/dev/null)" = "$1" ]; then
    echo "$VENV"
  else
    bash "$ROOT/scripts/matrix_venv.sh" "$1"
  fi
}

# target_path_dir VERSIONS: a directory of python3.X links to real interpreters, for the front of PATH (a pyenv shim
# of an inactive version fails instead of running: toolchain gotcha 2).
target_path_dir() {
  local dir version
  dir="$(mktemp -d)"
  for version in ${1//,/ }; do
    ln -s "$(need_python "$version" "a target Python the matrix tests")" "$dir/python$version"
  done
  echo "$dir"
}

run_sanity() {  # CORE PYV TARGETS
  local log links version
  # compile and import run next, on every target Python (the controller's included)
  ansible-test sanity --python "$2" --color no --skip-test compile --skip-test import
  links="$(target_path_dir "$3")"
  log="$(mktemp)"
  PATH="$links:$PATH" ansible-test sanity --test compile --test import --color no 2>&1 | tee "$log"
  for version in ${3//,/ }; do  # ansible-test silently leaves out a Python it cannot find: prove each one ran
    for test in compile import; do
      grep -qE "Running sanity test ['\"]${test}['\"] on Python ${version}\$" "$log" || {
        echo "ERROR: ansible-core $1: sanity test '$test' did not run on Python $version" >&2; rm -rf "$links" "$log"; exit 1; }
    done
  done
  rm -rf "$links" "$log"
}

run_integration() {  # CORE
  local community
  community="$(bash "$ROOT/scripts/community_collections.sh" "$(matrix_field "$1" 4)")"
  # The main venv ran the suite with Falcon tasks in-process on the controller; here they run as modules (AnsiballZ),
  # so the integration and secret-leak tests pass on both execution paths.
  local path="${FALCON_TEST_EXECUTION_PATH:-module}"
  echo "integration on ansible-core $1: Falcon tasks on the $path path (FALCON_TEST_EXECUTION_PATH)"
  FALCON_TEST_EXECUTION_PATH="$path" FALCON_TEST_CALLBACK_COLLECTIONS="$community" offline python -m pytest -n 2 -q \
    --timeout "${TEST_TIMEOUT:-900}" tests/integration tests/reliability/test_secrets.py
}

run_secrets() {  # CORE
  local community path
  community="$(bash "$ROOT/scripts/community_collections.sh" "$(matrix_field "$1" 4)")"
  for path in in-process module; do
    echo "secret-leak tests on ansible-core $1: Falcon tasks on the $path path (FALCON_TEST_EXECUTION_PATH)"
    FALCON_TEST_EXECUTION_PATH="$path" FALCON_TEST_CALLBACK_COLLECTIONS="$community" offline python -m pytest -n 2 -q \
      --timeout "${TEST_TIMEOUT:-900}" tests/reliability/test_secrets.py
  done
}

for CORE in "${CORES[@]}"; do
  PYV="$(matrix_field "$CORE" 2)"
  TARGETS="$(matrix_field "$CORE" 3)"
  [ -n "$PYV" ] || { echo "ERROR: ansible-core $CORE is not a line of $MATRIX_FILE" >&2; exit 2; }
  CORE_VENV="$(venv_for "$CORE")"
  HAVE="$("$CORE_VENV/bin/python" -c 'import ansible.release as r, platform; print(r.__version__, platform.python_version())')"
  [ "${HAVE%% *}" = "$CORE" ] || { echo "ERROR: $CORE_VENV has ansible-core ${HAVE%% *}, not $CORE" >&2; exit 1; }
  case "$STAGE" in
    sanity) banner "sanity on ansible-core $CORE, controller Python ${HAVE#* }; compile+import on Python ${TARGETS//,/, } ($CORE_VENV)";;
    *) banner "$STAGE on ansible-core $CORE, Python ${HAVE#* } ($CORE_VENV)";;
  esac
  (
    export PATH="$CORE_VENV/bin:$PATH"
    case "$STAGE" in
      sanity) run_sanity "$CORE" "$PYV" "$TARGETS";;
      units) offline python -m pytest -n 2 -q --timeout "${UNIT_TIMEOUT:-60}" tests/unit;;
      integration) run_integration "$CORE";;
      secrets) run_secrets "$CORE";;
    esac
  )
done
banner "$STAGE done on ansible-core ${CORES[*]}"

#!/usr/bin/env bash
# make test: everything CI checks, from a clean checkout, installing only from PyPI (no Galaxy, no Docker, no network
# beyond the package index). Test processes run in a loopback-only network namespace where the machine allows it.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PY="${PYTHON:-python3.11}"
command -v "$PY" >/dev/null 2>&1 || PY=python3
VENV="${VENV:-$ROOT/.venv}"
export PIP_DISABLE_PIP_VERSION_CHECK=1 NO_COLOR=1 PY_COLORS=0 ANSIBLE_NOCOLOR=1 ANSIBLE_FORCE_COLOR=0
export ANSIBLE_LOCALHOST_WARNING=False ANSIBLE_INVENTORY_UNPARSED_WARNING=False
step() { printf '\n=== %s (%ss)\n' "$1" "$SECONDS"; }

# Run a command with no network but loopback (unshare -rn), or as it is where namespaces are not allowed.
if unshare -rn sh -c 'ip link set lo up' >/dev/null 2>&1; then
  offline() { unshare -rn sh -c 'ip link set lo up && exec "$@"' offline "$@"; }
else
  echo "note: unshare -rn is not available here; tests still run behind the pytest DNS guard"
  offline() { "$@"; }
fi

step "venv + dev requirements"
[ -x "$VENV/bin/python" ] || "$PY" -m venv "$VENV"
"$VENV/bin/pip" install -q -r "$ROOT/requirements-dev.txt"
touch "$VENV/.installed"
export PATH="$VENV/bin:$PATH"
SITE="$(python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"

step "ansible-test pip bootstrap (offline get-pip stand-in)"
PIPV="$(grep -oP "pip='\K[0-9.]+" "$SITE/ansible_test/_internal/python_requirements.py")"
CACHE="$HOME/.ansible/test/cache"; mkdir -p "$CACHE"
[ -f "$CACHE/pip-$PIPV-py3-none-any.whl" ] || pip download -q --no-deps "pip==$PIPV" -d "$CACHE"
cp "$ROOT/.ci/ansible_test_get_pip.py" "$CACHE/get_pip_${PIPV//./_}.py"

step "stage the collection under ansible_collections/secops/falcon"
case "$ROOT" in
  */ansible_collections/secops/falcon) COLL="$ROOT"; CROOT="$(cd "$ROOT/../../.." && pwd)";;
  *) CROOT="$(mktemp -d)"; COLL="$CROOT/ansible_collections/secops/falcon"; mkdir -p "$COLL"
     trap 'rm -rf "$CROOT"' EXIT
     (cd "$ROOT" && tar --exclude=./.git --exclude=./.venv --exclude=./tests/output --exclude=__pycache__ \
        --exclude=./.pytest_cache --exclude=./.ansible --exclude=./collections --exclude=./reports -cf - .) | (cd "$COLL" && tar xf -);;
esac
export ANSIBLE_COLLECTIONS_PATH="$CROOT"
cd "$COLL"

step "yamllint";            yamllint -s .
step "ansible-lint";        ansible-lint --offline --nocolor -q
step "antsibull-docs lint"; antsibull-docs lint-collection-docs --plugin-docs .
step "antsibull-changelog"; antsibull-changelog lint
step "ansible-test sanity"; ansible-test sanity --python 3.11 --color no
step "build + install + ansible-doc of every plugin"
OUT="$(mktemp -d)"
ansible-galaxy collection build --output-path "$OUT" . >/dev/null
ANSIBLE_COLLECTIONS_PATH="$OUT/inst" ansible-galaxy collection install --offline -p "$OUT/inst" "$OUT"/secops-falcon-*.tar.gz >/dev/null
for mod in falcon_token falcon_device_info falcon_policy_info falcon_host_contain; do
  ANSIBLE_COLLECTIONS_PATH="$OUT/inst" ansible-doc --json "secops.falcon.$mod" | grep -q '"doc"' || { echo "ansible-doc: no docs for $mod"; exit 1; }
done
ANSIBLE_COLLECTIONS_PATH="$OUT/inst" ansible-doc --json -t lookup secops.falcon.falcon_cloud | grep -q '"doc"' || { echo "ansible-doc: no docs for falcon_cloud"; exit 1; }
for role in falcon_incident_response falcon_policy_audit falcon_device_report; do
  ANSIBLE_COLLECTIONS_PATH="$OUT/inst" ansible-doc --json -t role "secops.falcon.$role" | grep -q '"entry_points"' || { echo "ansible-doc: no docs for role $role"; exit 1; }
done
rm -rf "$OUT"

step "molecule (every role, against the emulator)"
offline python scripts/with_emulator.py --hosts 60 --containment-delay 0.5 -- molecule test --all

step "pytest (unit, emulator conformance, integration, reliability, AWX)"
offline python -m pytest -p no:cacheprovider --import-mode=importlib -n 2 -q tests

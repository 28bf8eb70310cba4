#!/usr/bin/env bash
# make demo: run playbooks/demo.yml against the bundled emulator (loopback only, no credentials needed).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${VENV:-$ROOT/.venv}"
export PATH="$VENV/bin:$PATH" ANSIBLE_COLLECTIONS_PATH
ANSIBLE_COLLECTIONS_PATH="$(bash "$ROOT/scripts/dev_collections.sh")"
export ANSIBLE_LOCALHOST_WARNING=False ANSIBLE_INVENTORY_UNPARSED_WARNING=False
cd "$ROOT"
exec python scripts/with_emulator.py --hosts 200 --containment-delay 1 -- \
  ansible-playbook playbooks/demo.yml -e "demo_report_dir=$ROOT/reports" "$@"

#!/usr/bin/env bash
# Print a directory that holds ansible_collections/secops/falcon for this checkout (for ANSIBLE_COLLECTIONS_PATH).
# A symlink is enough for ansible-playbook and ansible-doc (ansible-test needs a real copy: see scripts/test_all.sh).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
case "$ROOT" in
  */ansible_collections/secops/falcon) cd "$ROOT/../../.." && pwd; exit 0;;
esac
DEST="$ROOT/.ansible/dev-collections"
mkdir -p "$DEST/ansible_collections/secops"
[ -L "$DEST/ansible_collections/secops/falcon" ] || ln -sfn "$ROOT" "$DEST/ansible_collections/secops/falcon"
echo "$DEST"

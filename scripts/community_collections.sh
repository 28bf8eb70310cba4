#!/usr/bin/env bash
# scripts/community_collections.sh VERSION: print a directory holding ansible.posix as shipped in the `ansible`
# community package VERSION (its PyPI wheel; there is no Galaxy here). The secret-leak tests use its json and jsonl
# callbacks (junit is ansible-core's own). Unpacked once per version under the matrix cache.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/matrix_lib.sh
. "$ROOT/scripts/matrix_lib.sh"
VERSION="${1:?usage: community_collections.sh ANSIBLE_PACKAGE_VERSION}"
DEST="$MATRIX_VENVS/community/$VERSION"
mkdir -p "$MATRIX_VENVS/community"
exec 9>"$MATRIX_VENVS/community/.$VERSION.lock"
flock 9
if [ ! -f "$DEST/.complete" ]; then
  PY="$(need_python 3.12 'pip download of the ansible community package')"  # the newest packages need Python >= 3.12
  rm -rf "$DEST"; mkdir -p "$DEST"
  "$PY" -m pip download -q --disable-pip-version-check --no-deps "ansible==$VERSION" -d "$DEST" >&2
  "$PY" - "$DEST/ansible-$VERSION-py3-none-any.whl" "$DEST" <<'PY'
"""Unpack only ansible.posix from the community wheel (the rest is 20,000 unused files)."""
import sys
import zipfile

WANTED = ('ansible_collections/ansible/posix/',)
with zipfile.ZipFile(sys.argv[1]) as wheel:
    wheel.extractall(sys.argv[2], [name for name in wheel.namelist() if name.startswith(WANTED)])
PY
  rm -f "$DEST/ansible-$VERSION-py3-none-any.whl"
  touch "$DEST/.complete"
fi
echo "$DEST"

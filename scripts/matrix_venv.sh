#!/usr/bin/env bash
# Make (or reuse) the venv of one matrix line: scripts/matrix_venv.sh CORE prints the venv's path.
# The venv gets ansible-core==CORE on that line's Python and requirements-matrix.txt; the pip wheel and get-pip shim
# this core's ansible-test wants go to ~/.ansible/test/cache (docs/developing.md, "Checks").
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/matrix_lib.sh
. "$ROOT/scripts/matrix_lib.sh"
CORE="${1:?usage: matrix_venv.sh ANSIBLE_CORE_VERSION}"
PYV="$(matrix_field "$CORE" 2)"
[ -n "$PYV" ] || { echo "ERROR: ansible-core $CORE is not a line of $MATRIX_FILE" >&2; exit 2; }
PY="$(need_python "$PYV" "controller Python of ansible-core $CORE")"
VENV="$MATRIX_VENVS/$CORE"
# The venv is current when it was built from these exact pins.
STAMP="$(printf "%s %s\n" "$CORE" "$PY" | cat - "$ROOT/requirements-matrix.txt" | sha256sum | cut -c1-16)"
mkdir -p "$MATRIX_VENVS"
exec 9>"$MATRIX_VENVS/.$CORE.lock"
flock 9  # two checkouts building the same venv at once would corrupt it
if [ "$(cat "$VENV/.stamp" 2>/dev/null)" != "$STAMP" ]; then
  echo "building $VENV (ansible-core $CORE on $("$PY" -V 2>&1))" >&2
  rm -rf "$VENV"
  "$PY" -m venv "$VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check "ansible-core==$CORE" -r "$ROOT/requirements-matrix.txt" >&2
  echo "$STAMP" > "$VENV/.stamp"
fi
# ansible-test reads its bootstrap wheels and get-pip from ~/.ansible/test/cache only (a cache shared by every core).
ansible_test_bootstrap "$("$VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')" "$VENV/bin/python"
echo "$VENV"

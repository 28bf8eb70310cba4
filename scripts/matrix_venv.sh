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
  # ansible-test's pip bootstrap, offline: the pip wheel this core pins and the shim (toolchain gotcha 1).
  SITE="$("$VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
  grep -oP "pip='\K[0-9.]+" "$SITE/ansible_test/_internal/python_requirements.py" > "$VENV/pip-version"
  mkdir -p "$VENV/cache"
  echo "$STAMP" > "$VENV/.stamp"
fi
# ansible-test reads its get-pip from ~/.ansible/test/cache only: put this core's pip wheel and the shim there.
PIPV="$(cat "$VENV/pip-version")"
CACHE="$HOME/.ansible/test/cache"
mkdir -p "$CACHE"
[ -f "$CACHE/pip-$PIPV-py3-none-any.whl" ] || "$VENV/bin/pip" download -q --disable-pip-version-check --no-deps "pip==$PIPV" -d "$CACHE" >&2
cp "$ROOT/.ci/ansible_test_get_pip.py" "$CACHE/get_pip_${PIPV//./_}.py"
echo "$VENV"

#!/usr/bin/env bash
# Create (or update) the venv that ansible-rulebook runs in, from requirements-eda.txt (PyPI only), and check that
# it starts with the machine's Java runtime. Usage: bash scripts/eda_venv.sh [DIR]
# DIR defaults to $FALCON_EDA_VENV, else .ansible/eda-venv in the collection. The venv's path is printed last:
# export it as FALCON_EDA_VENV for tests/eda/test_end_to_end.py and docs/eda.md's recipe.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PY="${PYTHON:-python3.11}"
command -v "$PY" >/dev/null 2>&1 || PY=python3
VENV="${1:-${FALCON_EDA_VENV:-$ROOT/.ansible/eda-venv}}"
export PIP_DISABLE_PIP_VERSION_CHECK=1

# The rule engine (Drools) runs in a JVM: ansible-rulebook needs Java 17 or newer (Debian: openjdk-17-jre-headless).
if [ -z "${JAVA_HOME:-}" ] && command -v java >/dev/null 2>&1; then
  JAVA_HOME="$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")"
fi
if [ -z "${JAVA_HOME:-}" ] || [ ! -x "$JAVA_HOME/bin/java" ]; then
  echo "eda_venv: no Java runtime found (JAVA_HOME='${JAVA_HOME:-}'): install Java 17 or newer, e.g." \
       "apt-get install openjdk-17-jre-headless, or set JAVA_HOME" >&2
  exit 1
fi
JAVA_MAJOR="$("$JAVA_HOME/bin/java" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n 1)"
if [ -z "$JAVA_MAJOR" ] || [ "$JAVA_MAJOR" -lt 17 ]; then
  echo "eda_venv: $JAVA_HOME/bin/java is Java '${JAVA_MAJOR:-unknown}'; ansible-rulebook needs 17 or newer" >&2
  exit 1
fi
export JAVA_HOME

[ -x "$VENV/bin/python" ] || "$PY" -m venv "$VENV"
if [ ! -f "$VENV/.installed" ] || [ "$ROOT/requirements-eda.txt" -nt "$VENV/.installed" ]; then
  "$VENV/bin/pip" install -q -r "$ROOT/requirements-eda.txt"
  touch "$VENV/.installed"
fi
# Fails when the JVM cannot be loaded, so a broken runtime shows here and not as a test timeout.
"$VENV/bin/ansible-rulebook" --version >/dev/null
echo "$VENV"

"""Offline stand-in for ansible-test's get-pip download: installs pip from a wheel beside this file."""
import glob
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
WHEELS = sorted(glob.glob(os.path.join(HERE, 'pip-*-py3-none-any.whl')))
if not WHEELS:
    sys.exit('get-pip shim: no pip wheel found in %s' % HERE)
sys.path.insert(0, WHEELS[-1])
ARGS = [a for a in sys.argv[1:] if a not in ('--no-setuptools', '--no-wheel')]
from pip._internal.cli.main import main as pip_main  # noqa: E402  pylint: disable=wrong-import-position

sys.exit(pip_main(['install', '--no-index', '--find-links', HERE] + ARGS))

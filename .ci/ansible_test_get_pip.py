"""Offline stand-in for ansible-test's get-pip download: installs pip from a wheel beside this file.

Installed as get_pip_<X_Y>.py, it uses pip-<X.Y> (several ansible-core versions share one cache directory and each
pins its own pip: 24.2 for 2.18/2.19, 25.2 for 2.20/2.21; pip 25 no longer runs on Python 3.8).
"""

import glob
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
OWN = re.match(r'get_pip_([0-9_]+)\.py$', os.path.basename(__file__))
PATTERN = 'pip-%s-py3-none-any.whl' % (OWN.group(1).replace('_', '.') if OWN else '*')
WHEELS = sorted(glob.glob(os.path.join(HERE, PATTERN)))
if not WHEELS:
    sys.exit('get-pip shim: no %s found in %s' % (PATTERN, HERE))
sys.path.insert(0, WHEELS[-1])
ARGS = [a for a in sys.argv[1:] if a not in ('--no-setuptools', '--no-wheel')]
from pip._internal.cli.main import main as pip_main  # noqa: E402  pylint: disable=wrong-import-position

sys.exit(pip_main(['install', '--no-index', '--find-links', HERE] + ARGS))

"""Run a command against the bundled Falcon API emulator on loopback, then stop the emulator.

Usage: python scripts/with_emulator.py [--hosts N] [--seed N] [--containment-delay S] -- CMD [ARGS...]

The command gets FALCON_BASE_URL, FALCON_CLIENT_ID and FALCON_CLIENT_SECRET for the emulator's built-in API client
(so no real credentials are needed), FALCON_EMULATOR_URL (the emulator's admin endpoints live under it) and a fresh
FALCON_TOKEN_CACHE_DIR. The exit code is the command's.
"""

import argparse
import os
import subprocess
import sys
import tempfile

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO_ROOT, 'tests', 'emulator'))

from falcon_emulator import Emulator, EmulatorConfig  # noqa: E402  pylint: disable=wrong-import-position
from falcon_emulator.clients import DEFAULT_CLIENT  # noqa: E402  pylint: disable=wrong-import-position


def parse_args(argv):
    """Split our options from the command to run."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--hosts', type=int, default=200, help='emulated hosts in the default CID (default 200)')
    parser.add_argument('--seed', type=int, default=1, help='seed of the generated data (default 1)')
    parser.add_argument(
        '--containment-delay', type=float, default=1.0, help='seconds a host stays in a *_pending status (default 1.0)'
    )
    parser.add_argument('command', nargs=argparse.REMAINDER, help='the command to run, after --')
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ['--'] else args.command
    if not command:
        parser.error('no command given: put it after --')
    return args, command


def main(argv=None):
    """Start the emulator, run the command with its settings in the environment, stop the emulator."""
    args, command = parse_args(sys.argv[1:] if argv is None else argv)
    emulator = Emulator(
        EmulatorConfig(hosts=args.hosts, seed=args.seed, containment_delay=args.containment_delay)
    ).start()
    try:
        with tempfile.TemporaryDirectory(prefix='falcon-token-cache-') as cache_dir:
            os.chmod(cache_dir, 0o700)
            env = dict(os.environ)
            env.update(
                {
                    'FALCON_BASE_URL': emulator.url,
                    'FALCON_CLIENT_ID': DEFAULT_CLIENT.client_id,
                    'FALCON_CLIENT_SECRET': DEFAULT_CLIENT.client_secret,
                    'FALCON_EMULATOR_URL': emulator.url,
                    'FALCON_TOKEN_CACHE_DIR': cache_dir,
                }
            )
            env.pop('FALCON_CLOUD', None)
            env.pop('FALCON_MEMBER_CID', None)
            sys.stderr.write('falcon emulator: %d hosts at %s\n' % (args.hosts, emulator.url))
            sys.stderr.flush()
            return subprocess.call(command, env=env)
    finally:
        emulator.stop()


if __name__ == '__main__':
    sys.exit(main())

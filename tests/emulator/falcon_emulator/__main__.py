"""CLI: python -m falcon_emulator --port 8500 --hosts 5000 --seed 1 [--tls] [--ready-file PATH] ..."""

import argparse
import json
import os
import signal
import sys
import threading

from .config import REGION_HEADER_MODES, EmulatorConfig
from .emulator import Emulator


def _limit(text):
    """A rate limit: a positive integer, or 0/none for no limit."""
    if text.lower() in ('0', 'none', 'off'):
        return None
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError('must be >= 1, or 0/none for no limit')
    return value


def _setting(text):
    """--set KEY=VALUE: VALUE is JSON (400, null, {"contain": 50}) or else a plain string (rotating)."""
    key, sep, raw = text.partition('=')
    if not sep or not key.strip():
        raise argparse.ArgumentTypeError('expected KEY=VALUE, got %r' % text)
    try:
        value = json.loads(raw)
    except ValueError:
        value = raw
    return key.strip(), value


def parse_args(argv):
    """Command line options."""
    parser = argparse.ArgumentParser(
        prog='python -m falcon_emulator', description='Local CrowdStrike Falcon API emulator (loopback only).'
    )
    parser.add_argument(
        '--port', type=int, default=0, help='us-1 port; the other clouds use the next ports (0 = ephemeral)'
    )
    parser.add_argument('--bind', default='127.0.0.1', help='address to listen on (default 127.0.0.1)')
    parser.add_argument('--hosts', type=int, default=50, help='hosts per CID (0..100000)')
    parser.add_argument('--seed', type=int, default=1)
    parser.add_argument('--tls', action='store_true', help='serve HTTPS with a generated CA (path in the ready file)')
    parser.add_argument(
        '--containment-delay', type=float, default=1.0, help='seconds a containment change stays pending'
    )
    parser.add_argument('--token-lifetime', type=int, default=1799, help='expires_in of issued tokens (seconds)')
    parser.add_argument(
        '--token-rate-limit', type=_limit, default=300, help='POST /oauth2/token per client IP per minute (0 = off)'
    )
    parser.add_argument(
        '--api-rate-limit', type=_limit, default=6000, help='authenticated calls per CID per minute (0 = off)'
    )
    parser.add_argument('--scroll-ttl', type=float, default=120.0, help='seconds a scroll offset token stays valid')
    parser.add_argument('--region-header', choices=REGION_HEADER_MODES, default='auto')
    parser.add_argument(
        '--set',
        action='append',
        default=[],
        type=_setting,
        metavar='KEY=VALUE',
        dest='settings',
        help='any run-time setting, e.g. scroll_token_mode=rotating or action_partial_status=207; repeatable',
    )
    parser.add_argument(
        '--fault', action='append', default=[], metavar='JSON', help='a fault dict (see README); repeatable'
    )
    parser.add_argument('--ready-file', help='write {"urls": {cloud: url}, "ca_path": ...} here once listening')
    return parser.parse_args(argv)


def main(argv=None):
    """Run until Ctrl-C or SIGTERM."""
    args = parse_args(sys.argv[1:] if argv is None else argv)
    try:
        faults = [json.loads(f) for f in args.fault]
        config = EmulatorConfig(
            hosts=args.hosts,
            seed=args.seed,
            tls=args.tls,
            containment_delay=args.containment_delay,
            token_lifetime=args.token_lifetime,
            token_rate_limit=args.token_rate_limit,
            api_rate_limit=args.api_rate_limit,
            scroll_ttl=args.scroll_ttl,
            region_header=args.region_header,
            faults=faults,
            bind=args.bind,
            port=args.port,
        )
        emulator = Emulator(config)
        emulator.configure(**dict(args.settings))  # validated like POST /_emulator/config
        emulator.start()
    except (ValueError, OSError) as err:
        print('falcon_emulator: error: %s' % err, file=sys.stderr)
        return 2
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    try:
        info = {'urls': emulator.urls, 'ca_path': emulator.ca_path, 'pid': os.getpid()}
        if args.ready_file:
            tmp = args.ready_file + '.tmp'
            with open(tmp, 'w', encoding='utf-8') as handle:
                json.dump(info, handle)
            os.replace(tmp, args.ready_file)  # atomic: readers never see a half-written file
        for cloud, url in emulator.urls.items():
            print('%-9s %s' % (cloud, url), flush=True)
        print('Falcon API emulator ready (%d hosts per CID); Ctrl-C stops it.' % config.hosts, flush=True)
        while not stop.wait(0.5):
            pass
    finally:
        emulator.stop()
        if args.ready_file and os.path.exists(args.ready_file):
            os.remove(args.ready_file)  # a stale file would tell the next waiter that a dead emulator is ready
    return 0


if __name__ == '__main__':
    sys.exit(main())

"""Run the real ansible-inventory / ansible-playbook on a falcon_hosts config file against the emulator."""

import json
import os
import re
import subprocess

import yaml
from falcon_emulator.clients import DEFAULT_CLIENT
from playbook_runner import BIN_DIR, playbook_env, run_playbook

HERE = os.path.dirname(os.path.abspath(__file__))
PLUGIN = 'secops.falcon.falcon_hosts'
# Only the plugins a source of these tests may need: no noise from the ini and auto plugins trying a config file.
ENABLED = 'secops.falcon.falcon_hosts,ansible.builtin.yaml'


UNSAFE_KEY = '__ansible_unsafe'


def plain(value):
    """value with ansible-inventory's {"__ansible_unsafe": text} markers (ansible-core 2.19 --list) unwrapped."""
    if isinstance(value, dict):
        if list(value) == [UNSAFE_KEY]:
            return value[UNSAFE_KEY]
        return dict((k, plain(v)) for k, v in value.items())
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


class InventoryRun:
    """One finished ansible-inventory run: rc, output, and the parsed --list JSON (None if not JSON)."""

    def __init__(self, rc, stdout, stderr):
        self.rc = rc
        self.stdout = stdout
        # ansible-core 2.18 wraps warnings at 80 columns (also inside words, after a '-'): join them back.
        self.stderr = re.sub(r'\n(?![\[\n])', ' ', stderr.replace('-\n', '-'))
        try:
            self.raw = json.loads(stdout)
        except ValueError:
            self.raw = None
        self.data = plain(self.raw)

    @property
    def output(self):
        """stdout and stderr together."""
        return self.stdout + '\n' + self.stderr

    def explain(self):
        """Text for a failed assertion."""
        return 'rc=%s\n--- stdout\n%s\n--- stderr\n%s' % (self.rc, self.stdout[-4000:], self.stderr[-4000:])

    def hosts(self):
        """{inventory name: host vars} of a --list run."""
        return self.data['_meta']['hostvars']

    def group(self, name):
        """Hosts directly in group name (empty when the group does not exist)."""
        return sorted(self.data.get(name, {}).get('hosts', []))


def write_config(work_dir, name, **options):
    """Write <name>.falcon_hosts.yml with plugin set and these options; return its path."""
    config = {'plugin': PLUGIN}
    config.update(options)
    path = os.path.join(str(work_dir), '%s.falcon_hosts.yml' % name)
    with open(path, 'w', encoding='utf-8') as handle:
        yaml.safe_dump(config, handle, default_flow_style=False)
    return path


def falcon_env(emulator, client=DEFAULT_CLIENT, cache_dir=None):
    """FALCON_* variables for client on emulator's us-1 (and a token cache directory)."""
    env = {
        'FALCON_CLIENT_ID': client.client_id,
        'FALCON_CLIENT_SECRET': client.client_secret,
        'FALCON_BASE_URL': emulator.url,
    }
    if cache_dir:
        env['FALCON_TOKEN_CACHE_DIR'] = str(cache_dir)
    return env


def run_inventory(sources, env, collections_root, work_dir, args=('--list',), strict=True, extra_env=None, timeout=600):
    """ansible-inventory -i each source; strict=True makes an unparsed source fail the run (rc != 0)."""
    command = [os.path.join(BIN_DIR, 'ansible-inventory')]
    for source in [sources] if isinstance(sources, str) else sources:
        command += ['-i', source]
    command += list(args)
    settings = {
        'ANSIBLE_INVENTORY_UNPARSED_FAILED': 'True' if strict else 'False',
        'ANSIBLE_INVENTORY_ANY_UNPARSED_IS_FAILED': 'True' if strict else 'False',
        'ANSIBLE_INVENTORY_ENABLED': ENABLED,
    }
    run_env = playbook_env(env, collections_root, work_dir, dict(settings, **(extra_env or {})))
    proc = subprocess.run(
        command, env=run_env, cwd=str(work_dir), capture_output=True, text=True, timeout=timeout, check=False
    )
    return InventoryRun(proc.returncode, proc.stdout, proc.stderr)


def run_play(playbook, inventory, env, collections_root, work_dir, extra_vars=None, extra_env=None):
    """ansible-playbook -i inventory (an unparsed source fails the run) with a playbook of this directory."""
    run_env = dict(
        {'ANSIBLE_INVENTORY_UNPARSED_FAILED': 'True', 'ANSIBLE_INVENTORY_ENABLED': ENABLED}, **(extra_env or {})
    )
    return run_playbook(
        os.path.join(HERE, playbook),
        env,
        collections_root,
        work_dir,
        extra_vars=extra_vars,
        inventory=inventory,
        extra_env=run_env,
    )


def counted(emulator, prefix):
    """Calls the emulator counted whose 'METHOD /path' starts with prefix."""
    return sum(n for key, n in emulator.counters()['calls'].items() if key.startswith(prefix))

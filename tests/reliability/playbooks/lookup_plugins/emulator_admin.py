# Copyright: secops.falcon contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Test-only lookup: drive the emulator's /_emulator/ control endpoints from the controller (no module process)."""

DOCUMENTATION = r"""
name: emulator_admin
short_description: Control the local Falcon API emulator (tests only)
description:
  - C(configure) posts O(body) to /_emulator/config and zeroes the counters; C(counters) returns them;
    C(revoke_all) revokes every issued token.
options:
  _terms:
    description: The action, one of configure, counters or revoke_all.
    required: true
  url:
    description: The emulator's base URL.
    type: str
    required: true
  ca_path:
    description: CA bundle of an HTTPS emulator (empty for plain http).
    type: str
  body:
    description: Settings for configure.
    type: dict
"""

import json
import ssl
import urllib.request

from ansible.errors import AnsibleLookupError
from ansible.plugins.lookup import LookupBase


class LookupModule(LookupBase):
    """Call the emulator's control endpoints."""

    def _call(self, method, path, body=None):
        """One request to the emulator; the decoded JSON answer."""
        data = json.dumps(body).encode('utf-8') if body is not None else None
        request = urllib.request.Request(
            self.get_option('url') + path, data=data, method=method, headers={'Content-Type': 'application/json'}
        )
        ca_path = self.get_option('ca_path')
        context = ssl.create_default_context(cafile=ca_path) if ca_path else None
        try:
            with urllib.request.urlopen(request, timeout=30, context=context) as response:
                return json.loads(response.read().decode('utf-8'))
        except Exception as exc:  # pylint: disable=broad-except
            raise AnsibleLookupError('emulator control %s %s failed: %s' % (method, path, exc))

    def run(self, terms, variables=None, **kwargs):
        self.set_options(var_options=variables, direct=kwargs)
        out = []
        for action in terms:
            if action == 'configure':
                answer = self._call('POST', '/_emulator/config', self.get_option('body') or {})
                self._call('POST', '/_emulator/reset', {'counters': True})
                out.append(answer)
            elif action == 'counters':
                out.append(self._call('GET', '/_emulator/counters'))
            elif action == 'revoke_all':
                out.append(self._call('POST', '/_emulator/revoke-all'))
            else:
                raise AnsibleLookupError(
                    'unknown emulator_admin action %r: use configure, counters or revoke_all' % action
                )
        return out

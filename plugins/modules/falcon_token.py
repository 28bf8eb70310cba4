#!/usr/bin/python
# Copyright: secops.falcon contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)


DOCUMENTATION = r"""
module: falcon_token
short_description: Get or revoke a CrowdStrike Falcon OAuth2 access token
version_added: 0.1.0
description:
  - O(state=present) returns a valid access token for the API client, with its cloud and base URL, to pass to other
    modules as O(secops.falcon.falcon_device_info#module:auth) or to any tool that needs a Falcon token.
  - The token comes from the token cache when a valid one is there (more than two minutes of life left), so this module
    reports a change only when it had to issue a new token. A cached token is first checked with one cheap API read
    (one host ID); a token the API refuses (revoked since it was cached) is replaced by a new one.
  - O(state=absent) revokes a token (O(access_token), or the cached token of these credentials) and removes it from the
    token cache. The API authenticates a revocation with O(client_id) and O(client_secret), so both are required.
  - A token can only be revoked in the cloud that issued it. With O(cloud=autodiscover), a given token is revoked where
    the cached token of these credentials lives; with nothing cached, set O(cloud) or O(base_url), or pass the
    registered result as O(auth) (it carries the base URL), since discovering the cloud would issue a new token.
  - Other modules of this collection get their token themselves; this module is not needed to use them.
options:
  state:
    description:
      - V(present) returns a valid token, issuing one only when the cache holds none.
      - V(absent) revokes the token and removes it from the cache.
    type: str
    choices: [present, absent]
    default: present
extends_documentation_fragment:
  - secops.falcon.common
  - secops.falcon.common.attributes_action_group
  - secops.falcon.common.attributes_read_only
attributes:
  check_mode:
    description: In check mode no token is issued or revoked; the result predicts whether one would be.
author:
  - secops.falcon maintainers (!UNKNOWN)
notes:
  - The task output never shows the token, not even at C(-vvvv). A result that carries a token is marked C(no_log) by
    the module's action plugin, so Ansible prints C(the output has been hidden due to the fact that no_log was
    specified for this result) with C(changed); the registered variable still holds the whole result, token included.
    Do not print that variable (for example with M(ansible.builtin.debug)); pass it on as
    O(secops.falcon.falcon_device_info#module:auth).
  - The module itself cannot do this, because ansible-core removes C(_ansible_no_log) from a module's return. Results without a
    token (failures, O(state=absent)) are shown as usual, so error messages stay visible; they never contain secrets.
  - The API answers a revocation with success whether or not the token was still live, so revoking a given
    O(access_token) always reports a change; revoking the cached token reports a change only when there was one.
"""

EXAMPLES = r"""
- name: Get a token once for the play
  secops.falcon.falcon_token:
    client_id: "{{ falcon_client_id }}"
    client_secret: "{{ falcon_client_secret }}"
  register: falcon_auth

- name: Use it (the registered result carries access_token, cloud and base_url)
  secops.falcon.falcon_device_info:
    auth: "{{ falcon_auth }}"
    hostnames: [web01]

- name: Revoke the token at the end of the play (auth carries the base URL of the cloud that issued it)
  secops.falcon.falcon_token:
    client_id: "{{ falcon_client_id }}"
    client_secret: "{{ falcon_client_secret }}"
    auth: "{{ falcon_auth }}"
    state: absent
"""

RETURN = r"""
access_token:
  description:
    - The OAuth2 bearer token. Secret; hidden in the task output.
  returned: state is present and a token is available (not in check mode without a cached token)
  type: str
token_type:
  description: The token type, as the API says it (C(bearer)).
  returned: when access_token is returned
  type: str
  sample: bearer
cloud:
  description:
    - The cloud that issued the token (tokens only work there), for example C(eu-1) after autodiscovery.
    - Null for a custom O(base_url) that does not say its region.
  returned: when access_token is returned
  type: str
  sample: eu-1
base_url:
  description: The API base URL the token works with.
  returned: when access_token is returned
  type: str
  sample: https://api.eu-1.crowdstrike.com
expires_in:
  description: Seconds of life the token has left.
  returned: when access_token is returned
  type: int
  sample: 1799
expires_at:
  description: When the token expires, in UTC (ISO 8601).
  returned: when access_token is returned
  type: str
  sample: "2026-01-01T12:29:59Z"
issued:
  description: Whether a new token was issued by this task (false when it came from the token cache).
  returned: state is present
  type: bool
revoked:
  description: Whether a token was revoked (or, in check mode, would be).
  returned: state is absent
  type: bool
msg:
  description: What happened.
  returned: always
  type: str
"""

import time

from ansible_collections.secops.falcon.plugins.module_utils._module import FalconModule
from ansible_collections.secops.falcon.plugins.module_utils._options import ConnectionSettings

ARGUMENT_SPEC = dict(
    state=dict(type='str', choices=['present', 'absent'], default='present'),
)


def _iso(epoch):
    """UTC ISO 8601 text of an epoch time."""
    return time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(epoch))


def _token_result(token):
    """The return values describing token."""
    return dict(
        access_token=token.access_token,
        token_type=token.token_type,
        cloud=token.cloud,
        base_url=token.base_url,
        expires_in=max(0, int(token.remaining())),
        expires_at=_iso(token.expires_at),
    )


def _credentials_settings(module):
    """Settings from the credentials only: the given token is what state=absent revokes, not what it authenticates with."""
    params = dict(module.params)
    params['access_token'] = None
    params['auth'] = None
    return ConnectionSettings.from_options(params)


def present(module):
    """Return a valid token: the cached one, or a new one (not in check mode)."""
    client = module.client()
    if not client.settings.has_credentials:
        module.fail(
            'state=present needs client_id and client_secret to issue a token (an access_token alone cannot be '
            'renewed); set them as options, module_defaults for group/secops.falcon.falcon, or '
            'FALCON_CLIENT_ID/FALCON_CLIENT_SECRET.'
        )
    if module.check_mode:
        cached = client.cached_token()
        if cached is not None and client.token_accepted(cached):
            module.exit(
                changed=False, issued=False, msg='A valid token is in the token cache.', **_token_result(cached)
            )
        module.exit(changed=True, issued=True, msg='A new token would be issued (check mode).')
    # A cached token is checked with one cheap read: the API may have revoked it since it was cached.
    token, minted = client.issue_live_token()
    msg = 'Issued a new token' if minted else 'Reused the cached token'
    module.exit(
        changed=minted,
        issued=minted,
        msg='%s for cloud %s.' % (msg, token.cloud or token.base_url),
        **_token_result(token),
    )


def absent(module):
    """Revoke the given token, or the cached one, and drop it from the cache."""
    settings = module.settings()
    if not settings.has_credentials:
        module.fail('state=absent needs client_id and client_secret: the API authenticates a revocation with them.')
    client = module.client(_credentials_settings(module))
    cached = client.cached_token(include_stale=True)
    given = settings.access_token
    if not given and cached is None:
        module.exit(changed=False, revoked=False, msg='No cached token for these credentials: nothing to revoke.')
    if given and cached is None and settings.autodiscover and not settings.base_url_given:
        # Finding the home cloud would issue a new token (which would stay live): ask where the given one lives.
        module.fail(
            'state=absent cannot tell which cloud issued the given access_token without issuing a new token: '
            'set cloud or base_url to the cloud that issued it, or pass the registered falcon_token result as '
            'auth (it carries base_url).'
        )
    target = given or cached.access_token
    source = 'the given token' if given else 'the cached token'
    if module.check_mode:
        module.exit(changed=True, revoked=True, msg='Would revoke %s (check mode).' % source)
    client.revoke(target, base_url=_revoke_base_url(settings, cached))
    client.forget_token(target)
    module.exit(changed=True, revoked=True, msg='Revoked %s.' % source)


def _revoke_base_url(settings, cached):
    """Where to revoke: a client's tokens exist only in its home cloud, so any token of it tells where that is."""
    if cached is not None:
        return cached.base_url
    return settings.base_url


def run(module):
    """Dispatch on state."""
    module.returns_token = True
    if module.params['state'] == 'present':
        present(module)
    else:
        absent(module)


def main():
    """Module entry point."""
    module = FalconModule(ARGUMENT_SPEC, supports_check_mode=True)
    module.run(run)


if __name__ == '__main__':
    main()

# Copyright: secops.falcon contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)


DOCUMENTATION = r"""
name: falcon_maintenance_token
short_description: Reveal the maintenance (uninstall) token of Falcon hosts, or the bulk maintenance token
version_added: 0.1.0
description:
  - Returns the maintenance token of each device id given, one string per term in the order given; with O(bulk=true)
    the bulk maintenance token of the CID instead (one string).
  - A maintenance token lets someone on the host uninstall, downgrade or reconfigure a sensor whose sensor update policy
    has uninstall and maintenance protection on. It is a secret; see the notes for how to use it without showing it.
  - Each run asks the API once per distinct device id (C(POST /policy/combined/reveal-uninstall-token/v1)), and the
    Falcon console's audit log records every reveal with O(audit_message).
  - The tokens are returned marked unsafe, so nothing ever renders them as a template, and each is registered with the
    collection's scrubbing, so no message of this lookup shows one.
options:
  _terms:
    description:
      - Device ids (AIDs), each exactly 32 hexadecimal characters, for example the C(falcon_device_id) host variable of
        the M(secops.falcon.falcon_device_info) results or the P(secops.falcon.falcon_hosts#inventory) inventory.
      - A list given as one term counts as its items.
      - Anything else is refused before any request, naming the value; the bulk token is O(bulk=true), not a term.
      - Required unless O(bulk=true), and not allowed with it.
    type: list
    elements: str
    required: false
  bulk:
    description:
      - Return the bulk maintenance token of the CID (the API's C(MAINTENANCE) device id), which works on every host
        whose policy allows bulk maintenance, instead of per-device tokens.
    type: bool
    default: false
  audit_message:
    description:
      - The comment the Falcon audit log records with each reveal.
      - "Defaults to one naming the automation, the play, the host and who ran it, for example
        C(secops.falcon falcon_maintenance_token: play 'Upgrade sensors' host 'web-1' by alice@controller). The play and
        host come from the lookup's variables and are left out when there are none."
      - Sent as plain text, on one line (line breaks and control characters become spaces). The API documents no
        length limit; the default's play and host names are shortened to 64 characters each.
      - An empty value means the default.
    type: str
    vars:
      - name: falcon_maintenance_token_audit_message
extends_documentation_fragment:
  - secops.falcon.common
  - secops.falcon.common.plugins
requirements:
  - "The API scope sensor-update-policies:write (Sensor update policies: Write) for the API client"
notes:
  - "B(Never show the token.) A lookup's value goes wherever the task puts it, and Ansible shows what that task shows.
    Only use this lookup where nothing is displayed, in a task with C(no_log: true), and use the variable it was put in
    only in tasks with C(no_log: true) or options a module marks no_log. The recommended form is
    M(ansible.builtin.set_fact) with C(no_log: true), then the task that needs the token with C(no_log: true), as in
    the examples. ansible-core itself never displays a lookup's value, at any verbosity."
  - "A fact set with M(ansible.builtin.set_fact) stays in the host's variables for the rest of the play (not in a fact
    cache unless C(cacheable: true)), so a later C(debug: var=hostvars) without C(no_log) would show it. Set it to
    V(null) when the task that needed it is done."
  - A lookup in C(vars:) runs again each time the variable is used, and each run is a reveal the audit log records;
    set the token once with M(ansible.builtin.set_fact).
  - On a command line a token is visible to other users of the host (its process list). Prefer a tool that reads it
    from standard input (the C(stdin) option of M(ansible.builtin.command)).
  - With several terms, C(lookup) joins the tokens with commas; C(query) returns them as a list.
  - An unknown device id (or a device of another CID; see O(member_cid)) fails naming the id. A missing scope fails
    naming sensor-update-policies:write.
author:
  - secops.falcon maintainers (!UNKNOWN)
seealso:
  - module: secops.falcon.falcon_device_info
  - plugin: secops.falcon.falcon_hosts
    plugin_type: inventory
"""

EXAMPLES = r"""
- name: Get this host's maintenance token (the inventory's falcon_device_id), shown nowhere
  ansible.builtin.set_fact:
    falcon_maintenance_token: "{{ lookup('secops.falcon.falcon_maintenance_token', falcon_device_id) }}"
  no_log: true

- name: Give the token to the tool that needs it, on standard input
  ansible.builtin.command:
    cmd: /opt/example/bin/sensor-tool maintenance --token-from-stdin
    stdin: "{{ falcon_maintenance_token }}"
  no_log: true
  changed_when: true

- name: Or as an argument, when the tool takes it only that way
  ansible.builtin.command:
    argv:
      - /opt/example/bin/sensor-tool
      - uninstall
      - --maintenance-token
      - "{{ falcon_maintenance_token }}"
  no_log: true
  changed_when: true

- name: Forget the token
  ansible.builtin.set_fact:
    falcon_maintenance_token: null

- name: The bulk maintenance token, with an audit message naming the change ticket
  ansible.builtin.set_fact:
    falcon_bulk_token: "{{ lookup('secops.falcon.falcon_maintenance_token', bulk=true, audit_message='CHG-1234 sensor upgrade') }}"
  no_log: true
  run_once: true

- name: Several hosts' tokens as a list (query), e.g. for a module option that is no_log
  ansible.builtin.set_fact:
    falcon_tokens: "{{ query('secops.falcon.falcon_maintenance_token', device_ids) }}"
  no_log: true
"""

RETURN = r"""
_raw:
  description:
    - One maintenance token per device id, in the order of the terms; with O(bulk=true), the bulk token alone.
    - Marked unsafe (never rendered as a template).
  type: list
  elements: str
"""

import getpass
import os
import socket

from ansible.utils.unsafe_proxy import wrap_var

from ansible_collections.secops.falcon.plugins.module_utils._errors import (
    FalconApiError,
    FalconConfigError,
    register_secret,
    scrub,
)
from ansible_collections.secops.falcon.plugins.module_utils._ids import unique, validate_hex32_ids
from ansible_collections.secops.falcon.plugins.plugin_utils._falcon_lookup import FalconLookupBase

REVEAL_PATH = '/policy/combined/reveal-uninstall-token/v1'
# The device id that asks for the bulk token (spec summary of revealUninstallToken; PSFalcon, FalconPy).
BULK_DEVICE_ID = 'MAINTENANCE'
AUDIT_PREFIX = 'secops.falcon falcon_maintenance_token'
# How much of a play or host name the default audit message keeps: enough to recognise it, short on one line.
AUDIT_FIELD_MAX = 64


def plain_text(value, limit=None):
    """value on one line: control characters and line breaks become spaces, runs of spaces one; cut at limit."""
    text = ''.join(char if char.isprintable() else ' ' for char in str(value))
    text = ' '.join(text.split())
    if limit is not None and len(text) > limit:
        text = text[: limit - 3].rstrip() + '...'
    return text


def _variable(variables, name):
    """A plain string variable of the lookup's variables, or '' when absent or not a string."""
    try:
        value = (variables or {}).get(name)
    except Exception:  # pylint: disable=broad-except  # a lazy or odd variable store: the message just omits it
        return ''
    return plain_text(value, AUDIT_FIELD_MAX) if isinstance(value, str) else ''


def _local_user():
    """Who runs the lookup on the controller (the login name, else the uid)."""
    try:
        return plain_text(getpass.getuser(), AUDIT_FIELD_MAX) or 'uid %d' % os.getuid()
    except (KeyError, OSError, ImportError):  # no passwd entry and no LOGNAME/USER (a bare container)
        return 'uid %d' % os.getuid()


def _controller_name():
    """The controller's host name (never resolved through DNS)."""
    try:
        return plain_text(socket.gethostname(), AUDIT_FIELD_MAX) or 'unknown-host'
    except OSError:
        return 'unknown-host'


def default_audit_message(variables):
    """'secops.falcon falcon_maintenance_token: play '<play>' host '<host>' by <user>@<controller>'."""
    parts = [AUDIT_PREFIX + ':']
    play = _variable(variables, 'ansible_play_name')
    host = _variable(variables, 'inventory_hostname')
    if play:
        parts.append("play '%s'" % play)
    if host:
        parts.append("host '%s'" % host)
    parts.append('by %s@%s' % (_local_user(), _controller_name()))
    return ' '.join(parts)


def audit_message_for(given, variables):
    """The audit message to send: the given one as plain text, or the default; never holding a registered secret."""
    text = plain_text(given) if given is not None else ''
    return scrub(text or default_audit_message(variables))


def device_ids(terms):
    """The terms as a flat list of device ids, lower case; FalconConfigError naming each malformed one."""
    flat = []
    for term in terms or []:
        if isinstance(term, (list, tuple)):
            flat.extend(term)
        else:
            flat.append(term)
    try:
        validate_hex32_ids(flat, 'device id')
    except FalconConfigError as err:
        hint = ''
        if any(isinstance(t, str) and t.strip().upper() == BULK_DEVICE_ID for t in flat):
            hint = ' For the bulk maintenance token set bulk=true and give no device id.'
        raise FalconConfigError(str(err) + hint) from None
    # One token per term, in order, repeats included (validate_hex32_ids' answer drops repeats).
    return [term.lower() for term in flat]


def token_in(response, device_id):
    """The uninstall_token of device_id in a reveal answer, or None (resources[0] = {device_id, seed_id, ...})."""
    found = [
        r
        for r in response.resources
        if isinstance(r, dict) and isinstance(r.get('uninstall_token'), str) and r['uninstall_token']
    ]
    for record in found:
        if str(record.get('device_id') or '').lower() == device_id.lower():
            return record['uninstall_token']
    # An answer that does not repeat the device id: its only token is the one asked for.
    if len(found) == 1 and not found[0].get('device_id'):
        return found[0]['uninstall_token']
    return None


class LookupModule(FalconLookupBase):
    """The falcon_maintenance_token lookup."""

    def run(self, terms, variables=None, **kwargs):
        self.set_options(var_options=variables, direct=kwargs)
        return self.falcon_run(self._tokens, terms, variables)

    def _tokens(self, terms, variables):
        """The tokens of terms (or the bulk token), wrapped unsafe; every request is made before anything returns."""
        bulk = bool(self.get_option('bulk'))
        ids = device_ids(terms)
        if bulk and ids:
            raise FalconConfigError(
                'bulk=true returns the bulk maintenance token and takes no device id, but %d were given: drop them, '
                'or drop bulk for the tokens of those devices.' % len(ids)
            )
        if not bulk and not ids:
            raise FalconConfigError(
                'No device id given: pass device ids (32 hexadecimal characters) as terms, or set bulk=true for the '
                'bulk maintenance token.'
            )
        message = audit_message_for(self.get_option('audit_message'), variables)
        client = self.client()
        try:
            if bulk:
                return wrap_var([self._reveal(client, BULK_DEVICE_ID, message)])
            tokens = dict((device_id, self._reveal(client, device_id, message)) for device_id in unique(ids))
        finally:
            client.close()
        return wrap_var([tokens[device_id] for device_id in ids])

    @staticmethod
    def _reveal(client, device_id, message):
        """One reveal: the token (registered as a secret), or a FalconError naming the device id."""
        bulk = device_id == BULK_DEVICE_ID
        try:
            # Repeating a reveal changes nothing (the audit log gets one more entry): a 5xx or lost answer is retried.
            response = client.request(
                'POST', REVEAL_PATH, json={'audit_message': message, 'device_id': device_id}, idempotent=True
            )
        except FalconApiError as err:
            what = 'the bulk maintenance token' if bulk else 'the maintenance token of device id %s' % device_id
            raise FalconApiError('Could not reveal %s: %s' % (what, err), status=err.status) from None
        token = token_in(response, device_id)
        if token:
            register_secret(token)
            return token
        if bulk:
            text = 'Falcon returned no bulk maintenance token: is bulk maintenance allowed for this CID?'
        else:
            text = (
                'Falcon returned no maintenance token for device id %s: no host of this CID has that id (an unknown '
                'or removed device; a device of another CID needs member_cid).' % device_id
            )
        # Only a 200 gets here, so no status in the message. What the real API answers for an unknown device is
        # unverified: the emulator answers as device details do (200, no resource); a 400 or 404 is handled above.
        raise FalconApiError(text, trace_id=response.trace_id, errors=response.errors)

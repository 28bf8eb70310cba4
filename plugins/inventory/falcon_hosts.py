# Copyright: secops.falcon contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)


DOCUMENTATION = r"""
name: falcon_hosts
short_description: The CrowdStrike Falcon fleet as Ansible hosts and groups
version_added: 0.1.0
description:
  - Reads the hosts (devices) of a Falcon tenant, or of several MSSP child tenants, and adds them to the inventory with
    their Falcon fields as host variables and built-in groups by platform, product type, containment status, grouping
    tags, host groups, reduced functionality mode, staleness and duplicate sensors.
  - The configuration file must be named C(*falcon_hosts.yml) or C(*falcon_hosts.yaml) and set O(plugin) to
    V(secops.falcon.falcon_hosts).
  - Reads in the fewest calls the API allows, 10000 host ids per scroll call and 5000 device records per details call,
    and shares the token cache with the modules, so parsing the inventory and then running a play of Falcon tasks costs
    one token request.
  - Every value that comes from the API is marked unsafe, so nothing a host reports is ever evaluated as a template.
  - The connection options may be templates (for example a vault lookup for O(client_secret)); they are rendered once
    with no host variables.
  - A bad option, a refused credential, a missing API scope or a bad filter fails the parse with a message naming it
    (Ansible's C(inventory_unparsed_failed) and C(inventory_any_unparsed_is_failed) rules then apply).
options:
  plugin:
    description:
      - The name of this plugin; it makes Ansible use it for this file.
    required: true
    type: str
    choices: [secops.falcon.falcon_hosts]
  filter:
    description:
      - An FQL filter of the hosts to include, for example V(platform_name:'Linux'+status:'contained').
      - The single quoted form V(hostname:'web') is a case-insensitive B(prefix) match (web-1 also selects web-10);
        the list form V(hostname:['web-1']) is exact and case-sensitive.
    type: str
  exclude_filter:
    description:
      - An FQL filter of hosts to leave out, even when O(filter) selects them (costs the scroll calls of its own selection).
    type: str
  last_seen_within:
    description:
      - Only hosts the cloud has seen within this time, for example V(7d), V(12h), V(30m) or V(2w).
    type: str
  include_hidden:
    description:
      - Also include hosts hidden in the Falcon console (they never appear in the normal host queries).
    type: bool
    default: false
  fields:
    description:
      - The API fields of each device to set as host variables (with O(vars_prefix)), or V([all]) for every field.
      - The fields the built-in groups need are always read, but only these become variables.
    type: list
    elements: str
    default: [device_id, cid, hostname, platform_name, os_version, os_product_name, product_type_desc, kernel_version,
              agent_version, status, local_ip, external_ip, connection_ip, mac_address, machine_domain, site_name, ou,
              tags, groups, last_seen, first_seen, modified_timestamp, reduced_functionality_mode, host_hidden_status,
              filesystem_containment_status, system_manufacturer, system_product_name, serial_number, provision_status]
  hostnames:
    description:
      - The inventory name of a device is the first of these that gives a non-empty value.
      - An entry is an API field name (dotted for nested fields, for example V(meta.version)), or a template using the
        host variables, for example V({{ falcon_hostname | lower }}).
      - A device none of them names is named by its device id, so it never merges with another device.
    type: list
    elements: str
    default: [hostname, device_id]
  duplicates:
    description:
      - What to do when devices share the name the first entry of O(hostnames) gives (a re-imaged machine leaves its
        old sensor behind; an administrator of any endpoint can also rename it to the name of another).
      - V(safe) (the default) never gives one device's name and address to another. The device first seen
        (C(first_seen)) keeps the name, its C(ansible_host) and its device id. It passes them to a later device only
        when it is stale (not seen within O(stale_after)) B(and) both report the same C(platform_name) and
        C(serial_number) (a field absent on either record does not agree); the stale record is then left out and its
        id listed in C(falcon_duplicate_device_ids). Every other device of that name is kept apart as
        C(<name>~<first 8 characters of its device id>) (the whole id should that name be taken) with B(no)
        C(ansible_host), so a play cannot connect to it by a name it may not have; its own addresses stay in the
        C(falcon_) variables and C(falcon_name_held_by) gives the device id that holds the name.
      - V(newest) keeps the device seen last and leaves out the others; V(suffix) keeps them all, the older ones named
        C(<name>_<device_id>); V(fail) fails the parse. With V(newest) and V(suffix) the device seen last takes the
        name and C(ansible_host), even an impostor; choose them only where no endpoint administrator is untrusted.
      - Either way a warning names them, and the kept hosts join the C(duplicates) group.
      - Devices that share a fallback name (for example one NAT address) are different machines, always kept as
        C(<name>_<device_id>).
    type: str
    default: safe
    choices: [safe, newest, suffix, fail]
  ansible_host_from:
    description:
      - The API field (or template, as in O(hostnames)) that sets C(ansible_host).
      - V(local_ip) is the address the host has on its own network; V(external_ip) is the address Falcon sees, often a
        NAT gateway shared by many hosts. An empty value sets no C(ansible_host).
    type: str
    default: local_ip
  vars_prefix:
    description:
      - Prefix of the host variables made from API fields (C(falcon_hostname), C(falcon_tags) ...), so fields such as
        C(tags) and C(groups) never clash with names Ansible reserves.
    type: str
    default: falcon_
  group_prefix:
    description:
      - Prefix of the built-in group names.
    type: str
    default: falcon_
  builtin_groups:
    description:
      - The built-in groups to create; V([]) for none. Group names are lower case with C(_) for anything else than
        letters and digits.
      - V(platform) C(falcon_platform_windows); V(product_type) C(falcon_product_type_server); V(containment)
        C(falcon_containment_contained) (also C(normal), C(containment_pending), C(lift_containment_pending));
        V(tags) C(falcon_tag_pci) for C(FalconGroupingTags/PCI), C(falcon_sensor_tag_x) for C(SensorGroupingTags/x);
        V(host_groups) C(falcon_host_group_finance) (names read with the scope C(host-group:read));
        V(reduced_functionality_mode) C(falcon_reduced_functionality_mode); V(stale) C(falcon_stale) (not seen within
        O(stale_after)); V(duplicates) C(falcon_duplicates); V(tenant) C(falcon_tenant_<cid>) with O(member_cids).
    type: list
    elements: str
    default: [platform, product_type, containment, tags, host_groups, reduced_functionality_mode, stale, duplicates, tenant]
  stale_after:
    description:
      - A host whose C(last_seen) is older than this joins the C(stale) group, for example V(7d) or V(36h).
    type: str
    default: 7d
  member_cids:
    description:
      - For a Flight Control (MSSP) parent API client, build one inventory across these member (child) CIDs, with one
        token per child (shared with the modules through the token cache) and a C(tenant) group per child.
      - A list of CIDs (the console form C(<CID>-XX) is accepted), or V(all) for every child the MSSP API lists (needs
        the scope C(mssp:read)).
      - Mutually exclusive with O(member_cid).
    type: raw
  strict_permissions:
    description:
      - Fail the parse when an enrichment (host group names) is refused for lack of an API scope, instead of warning.
    type: bool
    default: false
extends_documentation_fragment:
  - secops.falcon.common
  - secops.falcon.common.plugins
  - ansible.builtin.constructed
  - ansible.builtin.inventory_cache
notes:
  - The cache (O(cache)) holds the device records only, never a token or the secret. Its key is an HMAC keyed by the
    client secret over the cloud or base URL, client id, member CIDs, filters, hidden hosts and fields, so another
    selection or tenant never reads this one's answer, and a caller without the secret never finds it.
  - A cached answer is not rewritten when it is read, so it expires O(cache_timeout) after it was fetched.
  - A cached answer is signed (HMAC-SHA256 with a key derived from the client secret, cloud or base URL and client
    id), and only a valid signature is trusted; an edited, unsigned or foreign entry is a cache miss (the API is read
    again, with a warning). With a file-based cache plugin (C(ansible.builtin.jsonfile) ...) the directory is made
    0700 and the entries 0600; a directory or entry owned by another user or writable by group or others is not used.
  - Host variables for credentials set in the inventory file (C(client_secret) ...) are not set on the hosts; give the
    play its credentials the usual way (environment, C(module_defaults), a vault).
author:
  - secops.falcon maintainers (!UNKNOWN)
seealso:
  - module: secops.falcon.falcon_device_info
  - module: secops.falcon.falcon_host_contain
"""

EXAMPLES = r"""
# prod.falcon_hosts.yml: credentials from FALCON_CLIENT_ID / FALCON_CLIENT_SECRET (or ansible.cfg [secops_falcon])
plugin: secops.falcon.falcon_hosts
cloud: us-2
last_seen_within: 7d

# -------------------- another inventory source, another file --------------------
# linux_contained.falcon_hosts.yml: Linux servers in containment, secret from a vault lookup
# plugin: secops.falcon.falcon_hosts
# client_id: 0123456789abcdef0123456789abcdef
# client_secret: "{{ lookup('community.hashi_vault.hashi_vault', 'secret/data/falcon:client_secret') }}"
# filter: "platform_name:'Linux'+product_type_desc:'Server'"
# exclude_filter: "tags:'FalconGroupingTags/NoAnsible'"
# hostnames:
#   - "{{ falcon_hostname | lower }}"
#   - device_id
# ansible_host_from: local_ip
# keyed_groups:
#   - key: falcon_os_version
#     prefix: os
# compose:
#   ansible_user: "'ec2-user' if falcon_os_version is search('Amazon') else 'root'"
# cache: true
# cache_plugin: ansible.builtin.jsonfile
# cache_connection: ~/.cache/falcon_hosts
# cache_timeout: 900

# -------------------- another inventory source, another file --------------------
# mssp.falcon_hosts.yml: every child tenant of a Flight Control parent, one group per tenant
# plugin: secops.falcon.falcon_hosts
# member_cids: all
# fields: [all]
# duplicates: suffix
# builtin_groups: [platform, containment, tenant, stale]
"""

from ansible.errors import AnsibleError, AnsibleParserError
from ansible.plugins.inventory import BaseInventoryPlugin, Cacheable, Constructable
from ansible.utils.display import Display
from ansible.utils.unsafe_proxy import wrap_var

from ansible_collections.secops.falcon.plugins.module_utils._errors import FalconError, scrub
from ansible_collections.secops.falcon.plugins.module_utils._options import COMMON_OPTION_NAMES
from ansible_collections.secops.falcon.plugins.plugin_utils import _inventory_cache as inventory_cache
from ansible_collections.secops.falcon.plugins.plugin_utils._core_compat import refusal_below_floor
from ansible_collections.secops.falcon.plugins.plugin_utils._inventory_build import InventoryPlan

display = Display()


class InventoryModule(BaseInventoryPlugin, Constructable, Cacheable):
    """The secops.falcon.falcon_hosts inventory plugin."""

    NAME = 'secops.falcon.falcon_hosts'

    def __init__(self):
        super().__init__()
        # Cache keys stored by this parse, whose files update_cache_if_changed makes private once written.
        self._written_cache_keys = []

    def verify_file(self, path):
        """Only files named *falcon_hosts.yml or *falcon_hosts.yaml."""
        return super().verify_file(path) and path.endswith(('falcon_hosts.yml', 'falcon_hosts.yaml'))

    def parse(self, inventory, loader, path, cache=True):
        refusal = refusal_below_floor()
        if refusal is not None:  # before any request: an older core would show the secret (see _core_compat.FLOOR)
            raise AnsibleParserError('%s: %s' % (self.NAME, refusal))
        super().parse(inventory, loader, path, cache=cache)
        self._read_config_data(path)
        try:
            plan = InventoryPlan(self._connection_options(), self.get_option)
            data = self._cached_or_fetched(plan, cache)
            self._populate(plan, data)
        except FalconError as err:
            raise AnsibleParserError('%s: %s' % (self.NAME, scrub(str(err))))

    def _connection_options(self):
        """The common options, templates rendered (a vault lookup may supply the secret); no host variables."""
        options = {}
        for name in COMMON_OPTION_NAMES:
            try:
                value = self.get_option(name)
            except KeyError:
                # A common option the plugin variant of the doc fragment does not (yet) document: its default applies.
                continue
            if isinstance(value, str) and self.templar.is_template(value):
                value = self.templar.template(value)
            options[name] = value
        return options

    def _cached_or_fetched(self, plan, cache):
        """The answer from the inventory cache when allowed, present and signed, else from the API (then stored)."""
        user_cache = self.get_option('cache')
        key = plan.cache_key()
        read_cache = user_cache and cache
        write_cache = user_cache and not cache
        if user_cache:
            refusal = inventory_cache.secure_directory(self._cache, key)
            if refusal:
                display.warning('%s: the inventory cache is not used: %s.' % (self.NAME, refusal))
                read_cache = write_cache = False
        if read_cache:
            data = self._signed_entry(plan, key)
            if data is not None:
                for message in data.get('warnings', []):
                    display.warning(message)
                return data
            write_cache = True
        data = plan.fetch(display.warning)
        if write_cache:
            # Only a fresh answer is stored: a read never rewrites the entry, so it expires cache_timeout after it
            # was fetched. update_cache_if_changed (below) writes it, then makes the file private.
            self._cache[key] = inventory_cache.seal(inventory_cache.signing_key(plan.settings), key, data)
            self._written_cache_keys.append(key)
        return data

    def _signed_entry(self, plan, key):
        """The cached answer if the entry is ours and its signature holds; None (a miss, so a refetch) otherwise."""
        refusal = inventory_cache.entry_refusal(self._cache, key)
        if refusal:
            display.warning('%s: %s: it is not read, the API is read again.' % (self.NAME, refusal))
            return None
        try:
            entry = self._cache[key]
        except KeyError:
            display.vvv('%s: no cached answer for this source: reading the API.' % self.NAME)
            return None
        except AnsibleError as exc:  # the cache plugin found the file corrupt (and removed it)
            display.warning('%s: the cached inventory is not used (%s): the API is read again.' % (self.NAME, exc))
            return None
        try:
            return inventory_cache.unseal(inventory_cache.signing_key(plan.settings), key, entry)
        except ValueError as exc:
            display.warning(
                '%s: the cached inventory is not used, %s: the API is read again and the entry replaced.'
                % (self.NAME, exc)
            )
            return None

    def update_cache_if_changed(self):
        """Write the cache (Ansible calls this after parse), then make new entry files 0600."""
        super().update_cache_if_changed()
        self._secure_written_entries()

    def set_cache_plugin(self):
        """Write the cache, then make new entry files 0600."""
        super().set_cache_plugin()
        self._secure_written_entries()

    def _secure_written_entries(self):
        """chmod 0600 the entries this parse stored (the jsonfile plugin writes them 0644; the directory is 0700)."""
        for key in self._written_cache_keys:
            problem = inventory_cache.secure_entry(self._cache, key)
            if problem:
                display.warning('%s: %s.' % (self.NAME, problem))
        del self._written_cache_keys[:]

    def _populate(self, plan, data):
        """Add hosts, variables and groups from the (cached or fresh) answer."""
        strict = self.get_option('strict')
        for host in plan.hosts(data, self._render_name, display.warning):
            name = self.inventory.add_host(wrap_var(host.name))
            for var, value in host.variables.items():
                self.inventory.set_variable(name, var, wrap_var(value))
            for group in host.groups:
                self.inventory.add_group(group)
                self.inventory.add_child(group, name)
            hostvars = self.inventory.get_host(name).get_vars()
            self._set_composite_vars(self.get_option('compose'), hostvars, name, strict=strict)
            self._add_host_to_composed_groups(self.get_option('groups'), hostvars, name, strict=strict)
            self._add_host_to_keyed_groups(self.get_option('keyed_groups'), hostvars, name, strict=strict)

    def _render_name(self, template, variables):
        """Render a template entry of hostnames or ansible_host_from with the device's (unsafe) variables."""
        self.templar.available_variables = variables
        try:
            value = self.templar.template(template)
        except Exception as exc:  # pylint: disable=broad-except  # any template error names the entry
            raise AnsibleParserError('%s: the template %r failed: %s' % (self.NAME, template, exc))
        return value if isinstance(value, str) else None

# Copyright: secops.falcon contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""InventoryPlan: the falcon_hosts options validated, the tenants read, and the hosts they give. Internal use only."""

import time

from ansible.utils.unsafe_proxy import wrap_var

from ansible_collections.secops.falcon.plugins.module_utils._errors import FalconConfigError, scrub
from ansible_collections.secops.falcon.plugins.module_utils._http import FalconClient
from ansible_collections.secops.falcon.plugins.module_utils._options import ConnectionSettings
from ansible_collections.secops.falcon.plugins.plugin_utils import _inventory_options as opts
from ansible_collections.secops.falcon.plugins.plugin_utils._inventory_fetch import Selection, children_of, fetch_tenant
from ansible_collections.secops.falcon.plugins.plugin_utils._inventory_groups import builtin_groups
from ansible_collections.secops.falcon.plugins.plugin_utils._inventory_names import SAFE, assign_names, field_value

DEFAULT_FIELDS = (
    'device_id',
    'cid',
    'hostname',
    'platform_name',
    'os_version',
    'os_product_name',
    'product_type_desc',
    'kernel_version',
    'agent_version',
    'status',
    'local_ip',
    'external_ip',
    'connection_ip',
    'mac_address',
    'machine_domain',
    'site_name',
    'ou',
    'tags',
    'groups',
    'last_seen',
    'first_seen',
    'modified_timestamp',
    'reduced_functionality_mode',
    'host_hidden_status',
    'filesystem_containment_status',
    'system_manufacturer',
    'system_product_name',
    'serial_number',
    'provision_status',
)
# What the built-in groups and the duplicate rule read, whatever `fields` keeps as variables.
GROUPING_FIELDS = (
    'device_id',
    'cid',
    'hostname',
    'platform_name',
    'product_type_desc',
    'status',
    'tags',
    'groups',
    'reduced_functionality_mode',
    'last_seen',
    # The duplicate rule tells a re-imaged machine from an impostor by these.
    'first_seen',
    'serial_number',
)


class HostEntry:
    """One inventory host: its name, variables (API values, to be marked unsafe) and built-in groups."""

    def __init__(self, name, variables, groups):
        self.name = name
        self.variables = variables
        self.groups = groups


def _is_template(entry):
    """True for a hostnames / ansible_host_from entry that is a template rather than a field name."""
    return '{{' in entry or '{%' in entry


class InventoryPlan:
    """The validated options of one falcon_hosts source; fetch() reads the API, hosts() turns the answer into hosts."""

    def __init__(self, connection_options, get_option):
        self.connection_options = dict(connection_options)
        self.member_cids = opts.member_cids_option(get_option('member_cids'))
        if self.member_cids and connection_options.get('member_cid'):
            raise FalconConfigError(
                'member_cid and member_cids are both set: use member_cid for one child tenant, or '
                'member_cids for several (or all).'
            )
        # Validates credentials, cloud, base_url, TLS and the rest exactly as the modules do.
        self.settings = ConnectionSettings.from_options(self.connection_options)
        self.filter = (get_option('filter') or '').strip() or None
        self.exclude_filter = (get_option('exclude_filter') or '').strip() or None
        within = get_option('last_seen_within')
        self.last_seen_within = str(within).strip() if within not in (None, '') else None
        self.within_seconds = opts.duration_seconds('last_seen_within', within) if self.last_seen_within else None
        self.include_hidden = bool(get_option('include_hidden'))
        self.fields = opts.fields_option(get_option('fields'), DEFAULT_FIELDS)
        self.hostnames = self._entries('hostnames', get_option('hostnames') or ['hostname', 'device_id'])
        host_from = get_option('ansible_host_from')
        self.ansible_host_from = self._entries('ansible_host_from', [host_from])[0] if host_from else None
        self.duplicates = opts.choice_option('duplicates', get_option('duplicates') or SAFE, opts.DUPLICATES_CHOICES)
        self.vars_prefix = opts.prefix_option('vars_prefix', get_option('vars_prefix'))
        self.group_prefix = opts.prefix_option('group_prefix', get_option('group_prefix'))
        self.kinds = opts.builtin_groups_option(get_option('builtin_groups'))
        self.stale_seconds = opts.duration_seconds('stale_after', get_option('stale_after') or '7d')
        self.strict_permissions = bool(get_option('strict_permissions'))

    @staticmethod
    def _entries(name, entries):
        """hostnames-style entries: each a field name or a template; FalconConfigError for anything else."""
        if isinstance(entries, str):
            entries = [entries]
        out = []
        for entry in entries:
            text = str(entry).strip() if entry is not None else ''
            if not text or not (_is_template(text) or opts.FIELD_RE.match(text)):
                raise FalconConfigError(
                    '%s entry %r is neither an API field name (for example hostname or local_ip) nor a '
                    'template such as {{ falcon_hostname | lower }}.' % (name, entry)
                )
            out.append(entry if _is_template(text) else text)
        return out

    # -- reading ----------------------------------------------------------------------------------------------------

    def read_fields(self):
        """The fields to ask the API for (None = all): the variables plus what grouping and naming need."""
        if self.fields is None:
            return None
        wanted = list(self.fields) + list(GROUPING_FIELDS)
        for entry in self.hostnames + ([self.ansible_host_from] if self.ansible_host_from else []):
            if not _is_template(entry):
                wanted.append(entry.split('.')[0])
        return sorted(set(wanted))

    def selection(self):
        """The Selection of this source (the last_seen time is computed now, at fetch time)."""
        parts = [self.filter]
        if self.within_seconds:
            parts.append(opts.last_seen_fql(self.within_seconds))
        return Selection(
            fql=opts.combine_fql(*parts),
            exclude_fql=self.exclude_filter,
            include_hidden=self.include_hidden,
            fields=self.read_fields(),
            host_groups='host_groups' in self.kinds,
        )

    def cache_key(self):
        """The inventory cache key of this source (see _inventory_options.cache_key)."""
        material = {
            'member_cids': self.member_cids,
            'filter': self.filter,
            'exclude_filter': self.exclude_filter,
            'last_seen_within': self.last_seen_within,
            'include_hidden': self.include_hidden,
            'fields': self.read_fields(),
            'host_groups': 'host_groups' in self.kinds,
        }
        return opts.cache_key(self.settings, material)

    def _client(self, member_cid=None):
        """A FalconClient of these settings, for the parent or one member CID (its own token, through the cache)."""
        if member_cid is None:
            return FalconClient(self.settings)
        options = dict(self.connection_options, member_cid=member_cid)
        return FalconClient(ConnectionSettings.from_options(options))

    def _tenants(self, warn):
        """[(member CID or None, tenant name or None)] to read."""
        if not self.member_cids:
            return [(None, None)]
        if self.member_cids != opts.ALL_CHILDREN:
            return [(cid, None) for cid in self.member_cids]
        client = self._client()
        try:
            children = children_of(client)
        finally:
            _flush(client, warn)
        if not children:
            warn(
                'member_cids is all, but the MSSP API lists no child CIDs for this API client: the inventory is empty.'
            )
        return children

    def fetch(self, warn):
        """Read every tenant; return the plain answer {'tenants': [...], 'warnings': [...], 'fetched_at': t}."""
        selection = self.selection()
        tenants = []
        warnings = []
        for cid, name in self._tenants(lambda msg: (warnings.append(msg), warn(msg))):
            client = self._client(cid)
            try:
                answer = fetch_tenant(client, selection, warn, self.strict_permissions)
            finally:
                _flush(client, lambda msg: (warnings.append(msg), warn(msg)))
            warnings.extend(answer.pop('warnings'))
            answer.update(cid=cid, name=name)
            tenants.append(answer)
        return {'tenants': tenants, 'warnings': warnings, 'fetched_at': time.time()}

    # -- building ---------------------------------------------------------------------------------------------------

    def variables(self, record, host_groups, tenant):
        """The host variables of one device (prefixed API fields and a few derived ones)."""
        prefix = self.vars_prefix
        keys = record.keys() if self.fields is None else [f for f in self.fields if f in record]
        out = dict((prefix + key, record[key]) for key in keys)
        if host_groups:
            out[prefix + 'host_group_names'] = [host_groups[g] for g in record.get('groups') or [] if g in host_groups]
        if tenant.get('cid'):
            out[prefix + 'member_cid'] = tenant['cid']
        if tenant.get('name'):
            out[prefix + 'tenant_name'] = tenant['name']
        return out

    def hosts(self, data, render, warn):
        """Yield a HostEntry per kept device of the answer; render(template, variables) evaluates template entries."""
        stale_before = time.time() - self.stale_seconds
        records = []
        context = {}
        for tenant in data.get('tenants', []):
            for record in tenant.get('devices', []):
                if isinstance(record, dict) and record.get('device_id'):
                    records.append(record)
                    context[id(record)] = tenant

        def render_entry(entry, record):
            """A template entry evaluated with the device's variables (marked unsafe: never re-templated)."""
            tenant = context[id(record)]
            return render(entry, wrap_var(self.variables(record, tenant.get('host_groups'), tenant)))

        named, warnings = assign_names(
            records,
            self.hostnames,
            render_entry,
            self.duplicates,
            tenant_of=lambda record: context[id(record)].get('cid'),
            stale_before=stale_before,
        )
        for message in warnings:
            warn(scrub(message))
        for device in named:
            tenant = context[id(device.record)]
            variables = self.variables(device.record, tenant.get('host_groups'), tenant)
            if device.skipped:
                variables[self.vars_prefix + 'duplicate_device_ids'] = device.skipped
            if device.held_by:
                variables[self.vars_prefix + 'name_held_by'] = device.held_by
            if self.ansible_host_from and not device.held_by:
                # A device kept apart from a contested name gets no address: a play reaches it only once someone
                # decides which machine it is (its own addresses stay in the falcon_ variables).
                address = (
                    render_entry(self.ansible_host_from, device.record)
                    if _is_template(self.ansible_host_from)
                    else field_value(device.record, self.ansible_host_from)
                )
                if isinstance(address, str) and address.strip():
                    variables['ansible_host'] = address.strip()
            groups = builtin_groups(
                device.record,
                self.kinds,
                self.group_prefix,
                tenant.get('host_groups'),
                stale_before,
                device.duplicate,
                tenant.get('cid') if self.member_cids else None,
            )
            yield HostEntry(device.name, variables, groups)


def _flush(client, warn):
    """Show the client's warnings and close its connections."""
    for message in client.warnings:
        warn(scrub(message))
    del client.warnings[:]
    client.close()

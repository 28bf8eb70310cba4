"""Hosts whose fields hold template text that would create marker files if any template engine ever evaluated it."""

import os


def make_hostile(emulator, marker_dir, count=2):
    """Give the first count hosts Jinja in hostname, site and tags; return the marker paths (none may ever exist)."""
    tenant = emulator.app.tenant()
    markers = []
    with tenant.lock:
        for index, host in enumerate(tenant.hosts[:count]):
            paths = [os.path.join(str(marker_dir), 'pwned-%d-%s' % (index, what)) for what in ('name', 'site', 'tag')]
            host.hostname = "{{ lookup('pipe', 'touch %s') }}" % paths[0]
            host.site = "{%% if lookup('pipe', 'touch %s') %%}{%% endif %%}" % paths[1]
            host.tags = ("FalconGroupingTags/{{ lookup('pipe', 'touch %s') }}" % paths[2],)
            markers.extend(paths)
        tenant.changed()
    return markers

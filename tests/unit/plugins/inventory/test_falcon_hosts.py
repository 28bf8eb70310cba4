"""The falcon_hosts plugin over a faked HTTP session: calls made, variables, groups, scope and filter errors."""

import json

import pytest
from ansible.errors import AnsibleParserError
from ansible.inventory.data import InventoryData
from ansible.parsing.dataloader import DataLoader
from ansible.plugins.loader import inventory_loader
from ansible.template import Templar

from ansible_collections.secops.falcon.plugins.module_utils import _http
from ansible_collections.secops.falcon.plugins.plugin_utils import _core_compat

SCROLL = '/devices/queries/devices-scroll/v1'
DETAILS = '/devices/entities/devices/v2'
GROUPS = '/devices/combined/host-groups/v1'
HOSTILE = "{{ lookup('pipe', 'id') }}"


def _record(index):
    """A device record."""
    return {
        'device_id': '%032x' % (index + 1),
        'cid': 'c' * 32,
        'hostname': 'host-%05d' % index,
        'platform_name': 'Linux',
        'product_type_desc': 'Server',
        'status': 'normal',
        'tags': ['FalconGroupingTags/Web'],
        'groups': ['g1'],
        'reduced_functionality_mode': 'yes' if index == 0 else 'no',
        'last_seen': '2099-01-01T00:00:00Z',
        'local_ip': '10.0.%d.%d' % (index // 250, index % 250),
        'site_name': HOSTILE if index == 1 else 'HQ',
    }


class FakeFalcon:
    """Answers the token, scroll (rotating tokens), details and host-group calls for count hosts."""

    def __init__(self, fake, count, groups_status=200, scroll_status=200):
        self.fake = fake
        self.records = [_record(i) for i in range(count)]
        self.groups_status = groups_status
        self.scroll_status = scroll_status

    def __call__(self, call):
        fake = self.fake
        if call.path == '/oauth2/token':
            return fake.token_response()
        if call.path == SCROLL:
            if self.scroll_status != 200:
                return fake.make_response(self.scroll_status, fake.api_body(errors=[{'code': 500, 'message': 'boom'}]))
            params = call.kwargs['params']
            start = int(params.get('offset') or 0)
            page = self.records[start : start + int(params['limit'])]
            pagination = {'offset': str(start + len(page)), 'total': len(self.records)}
            return fake.make_response(200, fake.api_body([r['device_id'] for r in page], pagination=pagination))
        if call.path == DETAILS:
            wanted = set(call.kwargs['json']['ids'])
            return fake.make_response(200, fake.api_body([dict(r) for r in self.records if r['device_id'] in wanted]))
        if call.path == GROUPS:
            if self.groups_status == 403:
                return fake.make_response(
                    403, {'meta': {}, 'errors': [{'code': 403, 'message': 'access denied, scope not permitted'}]}
                )
            return fake.make_response(
                200, fake.api_body([{'id': 'g1', 'name': 'Web Servers'}], pagination={'offset': 1, 'total': 1})
            )
        raise AssertionError('unexpected %s' % call.path)


@pytest.fixture
def parse(fake, monkeypatch, tmp_path, cache_dir):
    """parse(handler, **options) -> (InventoryData, session): run the plugin on a config file with these options."""

    def run(handler, **options):
        session = fake.FakeSession(handler=handler)
        monkeypatch.setattr(_http.requests, 'Session', lambda: session)
        config = dict(
            plugin='secops.falcon.falcon_hosts',
            client_id=fake.CLIENT_ID,
            client_secret=fake.CLIENT_SECRET,
            token_cache_dir=cache_dir,
            **options,
        )
        path = tmp_path / 'unit.falcon_hosts.yml'
        path.write_text(json.dumps(config))
        plugin = inventory_loader.get('secops.falcon.falcon_hosts')
        inventory = InventoryData()
        plugin.parse(inventory, DataLoader(), str(path), cache=False)
        return inventory, session

    return run


def test_12000_hosts_in_two_scrolls_three_details_one_group_call(fake, parse):
    inventory, session = parse(FakeFalcon(fake, 12000))
    assert len(inventory.hosts) == 12000
    assert [len(session.calls_to(p)) for p in (SCROLL, DETAILS, GROUPS, '/oauth2/token')] == [2, 3, 1, 1]
    host = inventory.get_host('host-00000')
    assert host.vars['falcon_device_id'] == '%032x' % 1 and host.vars['ansible_host'] == '10.0.0.0'
    assert host.vars['falcon_host_group_names'] == ['Web Servers']
    names = set(g.name for g in host.get_groups())
    assert {
        'falcon_platform_linux',
        'falcon_product_type_server',
        'falcon_containment_normal',
        'falcon_tag_web',
        'falcon_host_group_web_servers',
        'falcon_reduced_functionality_mode',
    } <= names
    assert 'falcon_reduced_functionality_mode' not in set(g.name for g in inventory.get_host('host-00002').get_groups())


def test_values_are_never_templated(fake, parse):
    inventory, _session = parse(FakeFalcon(fake, 3))
    value = inventory.get_host('host-00001').vars['falcon_site_name']
    assert value == HOSTILE
    templar = Templar(loader=DataLoader(), variables={'site': value})
    assert templar.template(value) == HOSTILE


def test_403_on_host_groups_warns_or_fails_when_strict(fake, parse):
    inventory, _session = parse(FakeFalcon(fake, 3, groups_status=403))
    assert len(inventory.hosts) == 3
    assert not [g for g in inventory.groups if g.startswith('falcon_host_group_')]
    with pytest.raises(AnsibleParserError) as err:
        parse(FakeFalcon(fake, 3, groups_status=403), strict_permissions=True)
    assert 'host-group:read' in str(err.value)


def test_a_500_on_the_scroll_names_the_filter(fake, parse):
    with pytest.raises(AnsibleParserError) as err:
        parse(FakeFalcon(fake, 3, scroll_status=500), filter="os_version:'*x*'", retries=0)
    assert "os_version:'*x*'" in str(err.value) and 'HTTP 500' in str(err.value)


def test_member_cid_and_member_cids_are_exclusive(fake, parse):
    with pytest.raises(AnsibleParserError) as err:
        parse(FakeFalcon(fake, 1), member_cid='a' * 32, member_cids=['b' * 32])
    assert 'member_cid and member_cids' in str(err.value)


def test_below_the_floor_the_inventory_refuses_before_any_request(fake, parse, monkeypatch):
    monkeypatch.setattr(_core_compat, 'CORE_VERSION', '2.15.13')
    with pytest.raises(
        AnsibleParserError, match=r'falcon_hosts: secops.falcon needs ansible-core 2\.16 or newer'
    ) as err:
        parse(lambda call: pytest.fail('a request below the floor: %s' % call.path))
    assert '2.15.13' in str(err.value)

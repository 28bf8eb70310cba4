"""Unit tests of cloud names and base URLs."""

import pytest

from ansible_collections.secops.falcon.plugins.module_utils._clouds import (
    AUTODISCOVER,
    CLOUDS,
    base_url_for,
    cloud_for_base_url,
    normalise_cloud,
    region_to_cloud,
)
from ansible_collections.secops.falcon.plugins.module_utils._errors import FalconConfigError


@pytest.mark.parametrize(
    'given, expected',
    [
        ('us-1', 'us-1'),
        ('US1', 'us-1'),
        ('us2', 'us-2'),
        ('US-3', 'us-3'),
        ('eu1', 'eu-1'),
        ('gov1', 'us-gov-1'),
        ('usgov1', 'us-gov-1'),
        ('US-GOV-2', 'us-gov-2'),
        ('gov2', 'us-gov-2'),
        ('auto', AUTODISCOVER),
        (None, AUTODISCOVER),
        ('autodiscover', AUTODISCOVER),
    ],
)
def test_normalise(given, expected):
    assert normalise_cloud(given) == expected


def test_unknown_cloud_lists_valid_names():
    with pytest.raises(FalconConfigError) as info:
        normalise_cloud('mars-1')
    text = str(info.value)
    assert "'mars-1'" in text
    for name in ('us-1', 'us-2', 'us-3', 'eu-1', 'us-gov-1', 'us-gov-2', 'autodiscover'):
        assert name in text


def test_base_urls():
    assert base_url_for('eu-1') == 'https://api.eu-1.crowdstrike.com'
    assert base_url_for(AUTODISCOVER) == CLOUDS['us-1']
    assert base_url_for('us-gov-1') == 'https://api.laggar.gcw.crowdstrike.com'
    assert base_url_for('us-gov-2') == 'https://api.us-gov-2.crowdstrike.mil'


def test_cloud_for_base_url():
    assert cloud_for_base_url('https://api.us-2.crowdstrike.com/') == 'us-2'
    assert cloud_for_base_url('http://127.0.0.1:8500') is None


def test_region_header():
    assert region_to_cloud('eu-1') == 'eu-1'
    assert region_to_cloud('usgov1') == 'us-gov-1'
    assert region_to_cloud('autodiscover') is None
    assert region_to_cloud('weird') is None
    assert region_to_cloud(None) is None

"""The User-Agent version matches galaxy.yml."""

import os

import yaml

from ansible_collections.secops.falcon.plugins.module_utils._version import COLLECTION_VERSION, USER_AGENT

GALAXY = os.path.join(os.path.dirname(__file__), '..', '..', '..', '..', 'galaxy.yml')


def test_version_matches_galaxy():
    with open(GALAXY) as handle:
        assert yaml.safe_load(handle)['version'] == COLLECTION_VERSION
    assert USER_AGENT == 'secops-falcon/' + COLLECTION_VERSION

"""The common doc fragment is the one description of COMMON_ARGSPEC: names, types, defaults, choices and env vars agree."""

import pytest
import yaml

from ansible_collections.secops.falcon.plugins.doc_fragments.common import ModuleDocFragment
from ansible_collections.secops.falcon.plugins.module_utils._options import COMMON_ARGSPEC

DOCUMENTED = yaml.safe_load(ModuleDocFragment.DOCUMENTATION)['options']
PLUGIN_SOURCES = yaml.safe_load(ModuleDocFragment.PLUGINS)['options']
# Only where else a plugin reads an option: everything else is written once, in DOCUMENTATION.
SOURCE_KEYS = frozenset(['env', 'vars', 'ini'])


def fallback_env(spec):
    """The FALCON_* variables of an argspec entry's env_fallback ([] without one)."""
    fallback = spec.get('fallback')
    return list(fallback[1]) if fallback else []


def test_the_same_option_names_everywhere():
    assert list(DOCUMENTED) == list(COMMON_ARGSPEC)
    assert list(PLUGIN_SOURCES) == list(COMMON_ARGSPEC)


@pytest.mark.parametrize('name', list(COMMON_ARGSPEC))
def test_type_default_and_choices_agree(name):
    spec, doc = COMMON_ARGSPEC[name], DOCUMENTED[name]
    assert doc['type'] == spec['type'], name
    assert doc.get('default') == spec.get('default'), name
    assert doc.get('choices') == spec.get('choices'), name
    assert doc['description'], name


@pytest.mark.parametrize('name', list(COMMON_ARGSPEC))
def test_environment_variables_agree(name):
    wanted = fallback_env(COMMON_ARGSPEC[name])
    # The module documentation names each fallback variable; the plugin sources read exactly those.
    text = ' '.join(DOCUMENTED[name]['description'])
    for variable in wanted:
        assert 'E(%s)' % variable in text, (name, variable)
    assert [e['name'] for e in PLUGIN_SOURCES[name].get('env', [])] == wanted, name


@pytest.mark.parametrize('name', list(COMMON_ARGSPEC))
def test_plugin_fragment_adds_only_sources(name):
    assert set(PLUGIN_SOURCES[name]) <= SOURCE_KEYS, name
    assert [v['name'] for v in PLUGIN_SOURCES[name].get('vars', [])] == ['falcon_' + name], name


def test_secrets_have_no_ansible_cfg_key():
    for name in ('client_secret', 'access_token', 'auth'):
        assert 'ini' not in PLUGIN_SOURCES[name], name
        assert COMMON_ARGSPEC[name].get('no_log') is True, name


def test_the_attribute_parts_are_disjoint_and_cover_the_three_attributes():
    # A module composes attributes_action_group with attributes_read_only or attributes_changes.
    def attributes(text):
        return yaml.safe_load(text)['attributes']

    group = attributes(ModuleDocFragment.ATTRIBUTES_ACTION_GROUP)
    for part in (ModuleDocFragment.ATTRIBUTES_READ_ONLY, ModuleDocFragment.ATTRIBUTES_CHANGES):
        assert not set(group) & set(attributes(part))
        assert sorted(dict(group, **attributes(part))) == ['action_group', 'check_mode', 'diff_mode']
    assert attributes(ModuleDocFragment.ATTRIBUTES_READ_ONLY)['diff_mode']['support'] == 'none'
    assert attributes(ModuleDocFragment.ATTRIBUTES_CHANGES)['diff_mode']['support'] == 'full'

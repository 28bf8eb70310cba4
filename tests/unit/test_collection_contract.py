"""The collection's contract for every module and plugin: what a new one must have, checked so a user never finds out.

A module must be in the `falcon` action group (kept sorted), accept every common option (the common doc fragment),
declare the action_group, check_mode and diff_mode attributes (the attributes fragments), have an action plugin on
FalconActionBase (so it runs in-process on the controller), and have unit and integration tests. Lookup and inventory
plugins must document every common option too (the common fragment plus its plugin variant).
"""

import os
import re

import pytest
import yaml
from ansible.plugins.loader import fragment_loader
from ansible.utils.plugin_docs import get_docstring

from ansible_collections.secops.falcon.plugins.module_utils._options import COMMON_ARGSPEC

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
REQUIRED_ATTRIBUTES = ('action_group', 'check_mode', 'diff_mode')


def _plugin_names(kind):
    """Names of the plugins of one kind (plugins/<kind>/*.py), without __init__."""
    folder = os.path.join(REPO, 'plugins', kind)
    if not os.path.isdir(folder):
        return []
    return sorted(name[:-3] for name in os.listdir(folder) if name.endswith('.py') and not name.startswith('_'))


def _rendered_doc(kind, name):
    """DOCUMENTATION with its fragments merged, as ansible-doc shows it."""
    path = os.path.join(REPO, 'plugins', kind, name + '.py')
    doc = get_docstring(path, fragment_loader, collection_name='secops.falcon', is_module=(kind == 'modules'))[0]
    assert doc, 'plugins/%s/%s.py has no DOCUMENTATION' % (kind, name)
    return doc


def _raw_fragments(kind, name):
    """The extends_documentation_fragment list exactly as the file writes it."""
    with open(os.path.join(REPO, 'plugins', kind, name + '.py'), encoding='utf-8') as handle:
        source = handle.read()
    match = re.search(r'DOCUMENTATION\s*=\s*r?(["\']{3})(.*?)\1', source, re.S)
    assert match, 'plugins/%s/%s.py: DOCUMENTATION not found' % (kind, name)
    return yaml.safe_load(match.group(2)).get('extends_documentation_fragment') or []


def _files_under(*parts):
    """Every file below a folder of the repo, as (path, text)."""
    top = os.path.join(REPO, *parts)
    for folder, _dirs, files in os.walk(top):
        for name in files:
            if name.endswith(('.py', '.yml', '.yaml')):
                path = os.path.join(folder, name)
                with open(path, encoding='utf-8', errors='replace') as handle:
                    yield path, handle.read()


MODULES = _plugin_names('modules')


def test_there_are_modules():
    """The contract below is only as good as the list it walks."""
    assert 'falcon_token' in MODULES and len(MODULES) >= 4


def test_action_group_lists_every_module_sorted():
    with open(os.path.join(REPO, 'meta', 'runtime.yml'), encoding='utf-8') as handle:
        group = yaml.safe_load(handle)['action_groups']['falcon']
    assert group == sorted(group), 'meta/runtime.yml: keep the falcon action group sorted: %s' % sorted(group)
    assert set(group) == set(MODULES), 'action group and plugins/modules differ: missing %s, extra %s' % (
        sorted(set(MODULES) - set(group)),
        sorted(set(group) - set(MODULES)),
    )


@pytest.mark.parametrize('name', MODULES)
def test_module_extends_the_common_fragment_and_takes_every_common_option(name):
    assert 'secops.falcon.common' in _raw_fragments('modules', name)
    missing = sorted(set(COMMON_ARGSPEC) - set(_rendered_doc('modules', name)['options']))
    assert not missing, '%s does not document the common options %s' % (name, missing)


@pytest.mark.parametrize('name', MODULES)
def test_module_declares_the_attributes(name):
    attributes = _rendered_doc('modules', name).get('attributes') or {}
    missing = [attr for attr in REQUIRED_ATTRIBUTES if attr not in attributes]
    assert not missing, '%s lacks the attributes %s (extend one of the attributes fragments)' % (name, missing)
    assert attributes['action_group'].get('membership') == ['secops.falcon.falcon']


@pytest.mark.parametrize('name', MODULES)
def test_module_has_an_in_process_action_plugin(name):
    path = os.path.join(REPO, 'plugins', 'action', name + '.py')
    assert os.path.isfile(path), '%s has no action plugin at plugins/action/%s.py (three lines on FalconActionBase)' % (
        name,
        name,
    )
    with open(path, encoding='utf-8') as handle:
        text = handle.read()
    assert 'FalconActionBase' in text and "'secops.falcon.%s'" % name in text, 'plugins/action/%s.py must run %s' % (
        name,
        name,
    )


@pytest.mark.parametrize('name', MODULES)
def test_module_has_unit_tests(name):
    importer = re.compile(
        r'^from ansible_collections\.secops\.falcon\.plugins\.modules import [^\n]*\b%s\b' % re.escape(name), re.M
    )
    users = [path for path, text in _files_under('tests', 'unit', 'plugins', 'modules') if importer.search(text)]
    assert users, '%s has no unit tests (no file under tests/unit/plugins/modules imports it)' % name


@pytest.mark.parametrize('name', MODULES)
def test_module_has_integration_tests(name):
    fqcn = 'secops.falcon.%s' % name
    users = [path for path, text in _files_under('tests', 'integration') if re.search(re.escape(fqcn) + r'\b', text)]
    assert users, 'no integration test under tests/integration runs %s' % fqcn


@pytest.mark.parametrize(
    'kind,name', [(kind, name) for kind in ('lookup', 'inventory') for name in _plugin_names(kind)]
)
def test_controller_plugin_documents_every_common_option(kind, name):
    options = _rendered_doc(kind, name)['options']
    # The plugin variant only adds sources (env, ini, vars): without the common fragment an option has no description.
    missing = sorted(key for key in COMMON_ARGSPEC if not (options.get(key) or {}).get('description'))
    assert not missing, 'plugins/%s/%s.py does not describe the common options %s' % (kind, name, missing)
    assert 'secops.falcon.common' in _raw_fragments(kind, name)

"""The custom credential type files are what AWX accepts, and inject what the collection reads."""

import os
import re

import yaml
from awx_credential import REPO_ROOT, credential_type, render_injected_env  # pylint: disable=import-error

from ansible_collections.secops.falcon.plugins.module_utils._clouds import CLOUD_CHOICES
from ansible_collections.secops.falcon.plugins.module_utils._options import COMMON_ARGSPEC

# The keys AWX's CredentialTypeInputField schema allows on a field (additionalProperties: false).
AWX_FIELD_KEYS = {
    'id',
    'label',
    'type',
    'help_text',
    'secret',
    'multiline',
    'choices',
    'format',
    'ask_at_runtime',
    'default',
}
INPUTS = {
    'client_id': 'defa0170000000000000000000000001',
    'client_secret': 'S3cret-value-that-must-never-leak-000001',
    'cloud': 'eu-1',
    'member_cid': 'c1d0000000000000000000000000b002',
    'base_url': 'https://falcon-proxy.example.invalid',
}


INPUTS_SPEC, INJECTORS = credential_type()


def test_inputs_follow_the_awx_schema():
    """Every field has an id and a label, only keys AWX accepts, and the required ids exist."""
    fields = INPUTS_SPEC['fields']
    ids = [field['id'] for field in fields]
    assert ids == ['client_id', 'client_secret', 'cloud', 'member_cid', 'base_url']
    for field in fields:
        assert set(field) <= AWX_FIELD_KEYS, field
        assert field['label'] and field['type'] == 'string'
    assert set(INPUTS_SPEC['required']) == {'client_id', 'client_secret'}
    assert set(INPUTS_SPEC['required']) <= set(ids)


def test_only_the_secret_is_secret():
    """AWX encrypts and masks secret fields: the client secret must be one, the others need not be."""
    secret = [field['id'] for field in INPUTS_SPEC['fields'] if field.get('secret')]
    assert secret == ['client_secret']


def test_cloud_choices_are_the_collections():
    """The cloud drop-down offers exactly the values the modules' cloud option accepts."""
    cloud = [field for field in INPUTS_SPEC['fields'] if field['id'] == 'cloud'][0]
    assert sorted(cloud['choices']) == sorted(CLOUD_CHOICES)
    assert cloud['default'] == 'autodiscover'


def test_injectors_set_the_variables_the_modules_read():
    """Each injected variable is the env fallback of one common option, and all five are covered."""
    fallbacks = {}
    for option, spec in COMMON_ARGSPEC.items():
        if 'fallback' in spec:
            for name in spec['fallback'][1]:
                fallbacks[name] = option
    injected = INJECTORS['env']
    assert set(injected) == {
        'FALCON_CLIENT_ID',
        'FALCON_CLIENT_SECRET',
        'FALCON_CLOUD',
        'FALCON_MEMBER_CID',
        'FALCON_BASE_URL',
    }
    assert set(injected) <= set(fallbacks)
    assert set(INJECTORS) == {'env'}


def test_rendering_maps_every_input():
    """With every input set, each variable carries its input's value."""
    env = render_injected_env(INJECTORS, INPUTS)
    assert env == {
        'FALCON_CLIENT_ID': INPUTS['client_id'],
        'FALCON_CLIENT_SECRET': INPUTS['client_secret'],
        'FALCON_CLOUD': 'eu-1',
        'FALCON_MEMBER_CID': INPUTS['member_cid'],
        'FALCON_BASE_URL': INPUTS['base_url'],
    }


def test_empty_optional_inputs_render_as_unset_values():
    """Empty member CID and base URL become empty variables (unset for the collection); an empty cloud autodiscovers."""
    env = render_injected_env(INJECTORS, dict(INPUTS, cloud='', member_cid='', base_url=''))
    assert env['FALCON_CLOUD'] == 'autodiscover'
    assert env['FALCON_MEMBER_CID'] == ''
    assert env['FALCON_BASE_URL'] == ''
    assert env['FALCON_CLIENT_SECRET'] == INPUTS['client_secret']


def test_docs_example_registers_the_same_injectors():
    """The awx.awx.credential_type example in docs/awx.md injects exactly what injectors.yml does."""

    class DocLoader(yaml.SafeLoader):  # pylint: disable=too-many-ancestors
        """SafeLoader that reads Ansible's !unsafe tag as a plain string."""

    DocLoader.add_constructor('!unsafe', lambda loader, node: loader.construct_scalar(node))
    with open(os.path.join(REPO_ROOT, 'docs', 'awx.md'), encoding='utf-8') as handle:
        blocks = re.findall(r'```yaml\n(.*?)```', handle.read(), re.S)
    plays = [yaml.load(block, Loader=DocLoader) for block in blocks if 'awx.awx.credential_type' in block]
    assert len(plays) == 1
    task = [t for t in plays[0][0]['tasks'] if 'awx.awx.credential_type' in t][0]['awx.awx.credential_type']
    assert task['injectors'] == INJECTORS

"""The spec walk's part for host groups and MSSP children: their spec paths (spec_extra_host_groups_mssp.json, taken
from the public Falcon OpenAPI spec (swagger.json) because the pinned subset lacks them) and the cases that exercise them."""

import copy
import json
import os

from falcon_emulator.clients import DEFAULT_CLIENT, MSSP_CHILD_CID, MSSP_PARENT_CLIENT, NOSCOPE_CLIENT

HERE = os.path.dirname(os.path.abspath(__file__))
EXTRA_SPEC = os.path.join(HERE, 'spec_extra_host_groups_mssp.json')
# Clients whose tokens these cases use on top of the walk's own.
EXTRA_CLIENTS = (MSSP_PARENT_CLIENT,)


def with_extra_paths(spec):
    """spec with the host-group and MSSP paths and definitions added (the pinned subset itself is not changed)."""
    with open(EXTRA_SPEC, encoding='utf-8') as handle:
        extra = json.load(handle)
    merged = copy.deepcopy(spec)
    merged['paths'].update(extra['paths'])
    for name, schema in extra['definitions'].items():
        merged['definitions'].setdefault(name, schema)
    # The 2023 spec nests the envelope of domain.ChildrenResponseV1 under a required key "MsaReplyMetaOnly" (a code
    # generator's embedded struct); answers carry meta and errors at the top level like every other envelope.
    children = merged['definitions']['domain.ChildrenResponseV1']
    children['required'] = ['meta', 'resources']
    children['properties'] = dict(
        children['properties'],
        meta={'$ref': '#/definitions/msa.MetaInfo'},
        errors={'type': 'array', 'items': {'$ref': '#/definitions/msa.APIError'}},
    )
    children['properties'].pop('MsaReplyMetaOnly', None)
    return merged


def cases(ids):
    """(label, client, method, path, params, json, expected status) for host groups and MSSP children."""
    del ids
    parent = MSSP_PARENT_CLIENT
    return [
        ('host groups query', DEFAULT_CLIENT, 'GET', '/devices/queries/host-groups/v1', {'limit': 2}, None, 200),
        (
            'host groups query bad sort',
            DEFAULT_CLIENT,
            'GET',
            '/devices/queries/host-groups/v1',
            {'sort': 'x.asc'},
            None,
            400,
        ),
        (
            'host groups combined',
            DEFAULT_CLIENT,
            'GET',
            '/devices/combined/host-groups/v1',
            {'sort': 'name.asc'},
            None,
            200,
        ),
        (
            'host groups combined bad filter',
            DEFAULT_CLIENT,
            'GET',
            '/devices/combined/host-groups/v1',
            {'filter': "x:'1'"},
            None,
            400,
        ),
        ('host groups combined 403', NOSCOPE_CLIENT, 'GET', '/devices/combined/host-groups/v1', None, None, 403),
        (
            'host groups entities',
            DEFAULT_CLIENT,
            'GET',
            '/devices/entities/host-groups/v1',
            {'ids': 'HOST_GROUP'},
            None,
            200,
        ),
        (
            'host groups entities 404',
            DEFAULT_CLIENT,
            'GET',
            '/devices/entities/host-groups/v1',
            {'ids': 'a' * 32},
            None,
            404,
        ),
        ('children query', parent, 'GET', '/mssp/queries/children/v1', None, None, 200),
        ('children query bad sort', parent, 'GET', '/mssp/queries/children/v1', {'sort': 'x'}, None, 400),
        ('children query 403', NOSCOPE_CLIENT, 'GET', '/mssp/queries/children/v1', None, None, 403),
        ('children v2', parent, 'POST', '/mssp/entities/children/GET/v2', None, {'ids': [MSSP_CHILD_CID]}, 200),
        (
            'children v2 partial',
            parent,
            'POST',
            '/mssp/entities/children/GET/v2',
            None,
            {'ids': [MSSP_CHILD_CID, 'a' * 32]},
            207,
        ),
        ('children v2 no ids', parent, 'POST', '/mssp/entities/children/GET/v2', None, {}, 400),
        ('children v1', parent, 'GET', '/mssp/entities/children/v1', {'ids': MSSP_CHILD_CID}, None, 200),
    ]


def resolve(params, tenant):
    """Replace the HOST_GROUP placeholder with a seeded group id."""
    if params and params.get('ids') == 'HOST_GROUP':
        return dict(params, ids=tenant.groups[0]['id'])
    return params

"""The API clients the emulator knows: ids, secrets, home cloud, CID and scopes (fixed, so tests can use them)."""

import collections

ApiClient = collections.namedtuple('ApiClient', 'name client_id client_secret cid cloud scopes children')

READ_SCOPES = (
    'devices:read',
    'prevention-policies:read',
    'sensor-update-policies:read',
    'device-control-policies:read',
    'firewall-management:read',
    'response-policies:read',
    'cspm-registration:read',
    'alerts:read',
    'host-group:read',
    'mssp:read',
    'sensor-installers:read',
)
# sensor-update-policies:write reveals and rotates maintenance tokens: the read-only client must not have it.
ALL_SCOPES = READ_SCOPES + ('devices:write', 'alerts:write', 'sensor-update-policies:write')

# A CID is 32 lowercase hex characters (PSFalcon validates ^[a-fA-F0-9]{32}(-\w{2})?$).
DEFAULT_CID = 'c1d0000000000000000000000000a001'
EU_CID = 'c1d0000000000000000000000000e001'
GOV_CID = 'c1d0000000000000000000000000f001'
MSSP_PARENT_CID = 'c1d0000000000000000000000000b001'
MSSP_CHILD_CID = 'c1d0000000000000000000000000b002'
MSSP_CHILD2_CID = 'c1d0000000000000000000000000b003'

# Client ids are 32 hex characters and secrets 40 word characters, like real API clients.
DEFAULT_CLIENT = ApiClient(
    'default',
    'defa0170000000000000000000000001',
    'DefaultSecret000000000000000000000000001',
    DEFAULT_CID,
    'us-1',
    ALL_SCOPES,
    (),
)
READONLY_CLIENT = ApiClient(
    'readonly',
    'defa0170000000000000000000000002',
    'ReadOnlySecret00000000000000000000000002',
    DEFAULT_CID,
    'us-1',
    READ_SCOPES,
    (),
)
NOSCOPE_CLIENT = ApiClient(
    'noscope',
    'defa0170000000000000000000000003',
    'NoScopeSecret000000000000000000000000003',
    DEFAULT_CID,
    'us-1',
    (),
    (),
)
EU_CLIENT = ApiClient(
    'eu', 'e0e10000000000000000000000000001', 'EuropeSecret0000000000000000000000000001', EU_CID, 'eu-1', ALL_SCOPES, ()
)
GOV_CLIENT = ApiClient(
    'gov',
    'a0f10000000000000000000000000001',
    'GovSecret0000000000000000000000000000001',
    GOV_CID,
    'us-gov-1',
    ALL_SCOPES,
    (),
)
MSSP_PARENT_CLIENT = ApiClient(
    'mssp-parent',
    'b0b10000000000000000000000000001',
    'MsspParentSecret000000000000000000000001',
    MSSP_PARENT_CID,
    'us-1',
    ALL_SCOPES,
    (MSSP_CHILD_CID, MSSP_CHILD2_CID),
)
# Hosts only (no host-group:read): enrichment that needs another scope must warn, not fail.
DEVICES_ONLY_CLIENT = ApiClient(
    'devices-only',
    'defa0170000000000000000000000004',
    'DevicesOnlySecret00000000000000000000004',
    DEFAULT_CID,
    'us-1',
    ('devices:read', 'devices:write'),
    (),
)

ALL_CLIENTS = (
    DEFAULT_CLIENT,
    READONLY_CLIENT,
    NOSCOPE_CLIENT,
    EU_CLIENT,
    GOV_CLIENT,
    MSSP_PARENT_CLIENT,
    DEVICES_ONLY_CLIENT,
)
CLIENTS_BY_ID = {c.client_id: c for c in ALL_CLIENTS}
ALL_CIDS = (DEFAULT_CID, EU_CID, GOV_CID, MSSP_PARENT_CID, MSSP_CHILD_CID, MSSP_CHILD2_CID)


def normalise_cid(value):
    """Lowercase a CID and strip the optional '-XX' checksum suffix (the console shows CIDs that way)."""
    value = (value or '').strip().lower()
    if len(value) == 35 and value[32] == '-':
        value = value[:32]
    return value

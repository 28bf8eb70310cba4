# Copyright: secops.falcon contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Falcon clouds: names, API base URLs and name normalisation. Internal use only."""

from ansible_collections.secops.falcon.plugins.module_utils._errors import FalconConfigError

AUTODISCOVER = 'autodiscover'

# API base URL of every cloud (FalconPy BaseURL, gofalcon cloud.go; us-3 is gofalcon-only so far).
CLOUDS = {
    'us-1': 'https://api.crowdstrike.com',
    'us-2': 'https://api.us-2.crowdstrike.com',
    'us-3': 'https://api.us-3.crowdstrike.com',
    'eu-1': 'https://api.eu-1.crowdstrike.com',
    'us-gov-1': 'https://api.laggar.gcw.crowdstrike.com',
    'us-gov-2': 'https://api.us-gov-2.crowdstrike.mil',
}

# GovCloud never redirects to or from the commercial clouds (FalconPy 0.8.6 changelog, issue 433), so a gov
# client must name its cloud.
GOV_CLOUDS = frozenset(['us-gov-1', 'us-gov-2'])

# Autodiscovery starts at us-1 and follows the 308 of /oauth2/token, as the official SDKs do.
DISCOVERY_CLOUD = 'us-1'

CLOUD_CHOICES = ['us-1', 'us-2', 'us-3', 'eu-1', 'us-gov-1', 'us-gov-2', AUTODISCOVER]

# Spellings the official SDKs accept (FalconPy: US1, us-1; gofalcon: usgov1, gov1) mapped to our names.
_ALIASES = {
    'us1': 'us-1',
    'us2': 'us-2',
    'us3': 'us-3',
    'eu1': 'eu-1',
    'usgov1': 'us-gov-1',
    'gov1': 'us-gov-1',
    'usgov2': 'us-gov-2',
    'gov2': 'us-gov-2',
    'auto': AUTODISCOVER,
    'autodiscover': AUTODISCOVER,
}


def valid_names():
    """Return the accepted cloud names as a readable list."""
    return ', '.join(CLOUD_CHOICES)


def normalise_cloud(name, allow_autodiscover=True):
    """Return the canonical cloud name for name (us1, US-1, gov1 ...); FalconConfigError lists the valid ones."""
    if name is None or name == '':
        return AUTODISCOVER if allow_autodiscover else None
    key = str(name).strip().lower().replace('_', '-')
    canonical = key if key in CLOUDS or key == AUTODISCOVER else _ALIASES.get(key.replace('-', ''))
    if canonical is None or (canonical == AUTODISCOVER and not allow_autodiscover):
        allowed = valid_names() if allow_autodiscover else ', '.join(CLOUD_CHOICES[:-1])
        raise FalconConfigError('Unknown Falcon cloud %r: use one of %s.' % (str(name), allowed))
    return canonical


def base_url_for(cloud):
    """Return the API base URL of a cloud name (autodiscover starts at us-1)."""
    cloud = normalise_cloud(cloud)
    return CLOUDS[DISCOVERY_CLOUD if cloud == AUTODISCOVER else cloud]


def cloud_for_base_url(url):
    """Return the cloud name whose API base URL is url, or None for a custom URL (emulator, gateway)."""
    if not url:
        return None
    wanted = url.rstrip('/').lower()
    for name, base in CLOUDS.items():
        if base == wanted:
            return name
    return None


def region_to_cloud(region):
    """Return our cloud name for an X-Cs-Region header value (us-2, eu-1 ...), or None when unknown."""
    if not region:
        return None
    try:
        cloud = normalise_cloud(region, allow_autodiscover=False)
    except FalconConfigError:
        return None
    return cloud

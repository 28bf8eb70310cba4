# Copyright: secops.falcon contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)


DOCUMENTATION = r"""
name: falcon_cloud
short_description: Resolve a CrowdStrike Falcon cloud name, or discover an API client's home cloud
version_added: 0.1.0
description:
  - Returns a dictionary C(name), C(base_url) for each cloud name given (us-1, us-2, us-3, eu-1, us-gov-1, us-gov-2; the
    spellings C(us1), C(US-1), C(gov1) are accepted too).
  - The term V(autodiscover) asks the token endpoint where the API client lives (following its redirect, as the official
    SDKs do) and returns that cloud. It needs O(client_id) and O(client_secret), and uses the token cache like the modules,
    so a play that already holds a token makes no request.
  - With no term, the configured O(cloud) (default V(autodiscover)) is resolved.
  - GovCloud is never autodiscovered; a GovCloud client gets an error telling it to name its cloud.
options:
  _terms:
    description:
      - Cloud names, or V(autodiscover).
    type: list
    elements: str
    required: false
extends_documentation_fragment:
  - secops.falcon.common
  - secops.falcon.common.plugins
author:
  - secops.falcon maintainers (!UNKNOWN)
seealso:
  - module: secops.falcon.falcon_token
"""

EXAMPLES = r"""
- name: Base URL of the EU cloud
  ansible.builtin.debug:
    msg: "{{ lookup('secops.falcon.falcon_cloud', 'eu-1').base_url }}"

- name: Where does this API client live? (credentials from FALCON_CLIENT_ID / FALCON_CLIENT_SECRET)
  ansible.builtin.set_fact:
    falcon_home: "{{ lookup('secops.falcon.falcon_cloud', 'autodiscover') }}"

- name: Discover with explicit credentials
  ansible.builtin.debug:
    msg: "{{ lookup('secops.falcon.falcon_cloud', 'autodiscover', client_id=my_id, client_secret=my_secret).name }}"
"""

RETURN = r"""
_raw:
  description:
    - One dictionary per term.
  type: list
  elements: dict
  contains:
    name:
      description:
        - The cloud name, for example C(eu-1). For autodiscovery against a custom O(base_url) that does not say its region,
          this is null.
      type: str
    base_url:
      description:
        - The API base URL of the cloud (for autodiscovery, the URL the token endpoint sent us to).
      type: str
"""

from ansible_collections.secops.falcon.plugins.module_utils._clouds import AUTODISCOVER, CLOUDS, normalise_cloud
from ansible_collections.secops.falcon.plugins.plugin_utils._falcon_lookup import FalconLookupBase


class LookupModule(FalconLookupBase):
    """The falcon_cloud lookup."""

    def run(self, terms, variables=None, **kwargs):
        self.set_options(var_options=variables, direct=kwargs)
        terms = list(terms or []) or [self.get_option('cloud') or AUTODISCOVER]
        return [self.falcon_run(self._resolve, term) for term in terms]

    def _resolve(self, term):
        """{name, base_url} for a cloud name; for autodiscover, the API client's home cloud."""
        name = normalise_cloud(term)
        if name != AUTODISCOVER:
            return {'name': name, 'base_url': CLOUDS[name]}
        options = self.connection_options()
        options['cloud'] = AUTODISCOVER
        client = self.client(self.settings(options))
        try:
            token = client.issue_token()[0]
        finally:
            client.close()
        return {'name': token.cloud, 'base_url': token.base_url}

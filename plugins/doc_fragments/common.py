# Copyright: secops.falcon contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The common connection options of every secops.falcon module and lookup, and the attributes they declare."""


class ModuleDocFragment:
    """Fragments: secops.falcon.common (the options, for modules and plugins), .plugins (plugin sources), attributes."""

    # The common options, described once: modules take them from task options, module_defaults or the FALCON_*
    # environment variables; plugins also extend .plugins for their other sources.
    DOCUMENTATION = r"""
options:
  client_id:
    description:
      - The OAuth2 API client ID (Falcon console, Support and resources, API clients and keys), 32 hexadecimal
        characters. Any other value is refused before a token is requested, without being shown (it is most often
        the secret in the wrong field).
      - Required unless O(access_token) or O(auth) is given.
      - If not set, the environment variable E(FALCON_CLIENT_ID) is used.
    type: str
  client_secret:
    description:
      - The secret of the API client. It is never shown in output or logs, and never written to disk in plain text.
      - Required unless O(access_token) or O(auth) is given.
      - If not set, the environment variable E(FALCON_CLIENT_SECRET) is used.
    type: str
  member_cid:
    description:
      - For a Flight Control (MSSP) parent client, lock the token to this member (child) CID.
      - If not set, the environment variable E(FALCON_MEMBER_CID) is used.
    type: str
  cloud:
    description:
      - The Falcon cloud of the API client.
      - V(autodiscover) starts at us-1 and follows the token endpoint's redirect to the client's home cloud, as the
        official SDKs do. GovCloud is never autodiscovered, a GovCloud client must name V(us-gov-1) or V(us-gov-2).
      - One of V(us-1), V(us-2), V(us-3), V(eu-1), V(us-gov-1), V(us-gov-2) or V(autodiscover). The spellings of the
        official SDKs are accepted too, in any case (V(us1), V(US-1), V(gov1), V(usgov2), V(auto)).
      - If not set, the environment variable E(FALCON_CLOUD) is used; an empty value counts as not set.
    type: str
    default: autodiscover
  base_url:
    description:
      - The full API URL, overriding O(cloud) (a private gateway, or a local emulator for tests).
      - Must use https; plain http is refused unless the host is loopback (127.0.0.0/8, ::1 or localhost).
      - With O(cloud=autodiscover), discovery starts at this URL and follows its redirect.
      - If not set, the environment variable E(FALCON_BASE_URL) is used.
    type: str
  access_token:
    description:
      - A token to use instead of issuing one, for example the
        RV(secops.falcon.falcon_token#module:access_token) return value.
      - Tokens only work in the cloud that issued them; set O(cloud) or O(base_url) with it.
      - When O(client_id) and O(client_secret) are also set, a refused (expired or revoked) token is replaced by a new one.
      - Mutually exclusive with O(auth).
    type: str
  auth:
    description:
      - A token and its cloud as one dictionary with the keys C(access_token) and optionally C(cloud) and C(base_url),
        the form the C(crowdstrike.falcon) collection passes (its auth module's result), or the registered result of
        M(secops.falcon.falcon_token). Other keys are ignored.
      - O(cloud) and O(base_url), when set, win over the values in this dictionary.
      - Mutually exclusive with O(access_token).
    type: dict
  validate_certs:
    description:
      - Verify the API's TLS certificate. Set to V(false) only for tests against a self-signed endpoint.
      - V(false) wins over O(ca_path) and the CA bundle environment variables.
    type: bool
    default: true
  ca_path:
    description:
      - A CA bundle file (or directory) to verify the API's certificate with, for example a TLS-inspecting proxy's CA.
      - If not set, the first of the environment variables E(REQUESTS_CA_BUNDLE), E(CURL_CA_BUNDLE) and
        E(SSL_CERT_FILE) that is set and not empty names the bundle (as requests and the official SDKs read them);
        otherwise the CA bundle of the Python library certifi is used.
    type: path
  proxy:
    description:
      - An HTTP(S) proxy URL for every API call, for example V(http://proxy.example.com:3128).
      - Wins over the proxy environment variables and over O(use_proxy) and E(NO_PROXY).
    type: str
  use_proxy:
    description:
      - Use the proxy named by the environment variables E(HTTPS_PROXY) (for https URLs), E(HTTP_PROXY) (for http
        URLs) or E(ALL_PROXY), in upper or lower case, except for the hosts E(NO_PROXY) lists, as requests does.
      - V(false) ignores those variables. O(proxy) is used either way.
      - C(~/.netrc) is never read, whatever this option says.
    type: bool
    default: true
  timeout:
    description:
      - Seconds to wait for the API to connect and to answer each request (1 to 600).
    type: int
    default: 30
  retries:
    description:
      - How many times a request is retried after a rate limit (HTTP 429, waiting as the API asks), a server error
        (500, 502, 503, 504) or a lost connection, with exponential backoff (0 to 10).
      - A write (for example containing hosts) is retried only when it certainly did not reach the API (a refused
        connection or HTTP 429).
    type: int
    default: 3
  user_agent:
    description:
      - Text appended to the User-Agent C(secops-falcon/<version>) the requests carry.
    type: str
  token_cache:
    description:
      - Reuse one token per API client, cloud and member CID across tasks, hosts and forks on the machine that runs the
        task, until two minutes before it expires. The cache is encrypted with a key derived from the client secret.
      - V(false) issues a new token for every task.
    type: bool
    default: true
  token_cache_dir:
    description:
      - Directory of the token cache. It must belong to the user running the task and not be writable by others.
      - Defaults to C($XDG_CACHE_HOME/secops.falcon), or C(~/.cache/secops.falcon).
      - If not set, the environment variable E(FALCON_TOKEN_CACHE_DIR) is used.
    type: path
requirements:
  - requests (on the host that runs the task; for a lookup, the controller)
  - cryptography (for the token cache; without it every task issues its own token)
notes:
  - The token requests and API calls run on the host that runs the task (usually C(localhost)); a lookup runs them on
    the controller.
seealso:
  - module: secops.falcon.falcon_token
"""

    # Plugin sources: lookups extend secops.falcon.common (the descriptions, written once) and this fragment, which adds
    # only where else a plugin reads each option (variables, environment, ansible.cfg). Ansible merges the two per option.
    PLUGINS = r"""
options:
  client_id:
    env:
      - name: FALCON_CLIENT_ID
    vars:
      - name: falcon_client_id
    ini:
      - section: secops_falcon
        key: client_id
  client_secret:
    env:
      - name: FALCON_CLIENT_SECRET
    vars:
      - name: falcon_client_secret
  member_cid:
    env:
      - name: FALCON_MEMBER_CID
    vars:
      - name: falcon_member_cid
    ini:
      - section: secops_falcon
        key: member_cid
  cloud:
    env:
      - name: FALCON_CLOUD
    vars:
      - name: falcon_cloud
    ini:
      - section: secops_falcon
        key: cloud
  base_url:
    env:
      - name: FALCON_BASE_URL
    vars:
      - name: falcon_base_url
    ini:
      - section: secops_falcon
        key: base_url
  access_token:
    vars:
      - name: falcon_access_token
  auth:
    vars:
      - name: falcon_auth
  validate_certs:
    vars:
      - name: falcon_validate_certs
    ini:
      - section: secops_falcon
        key: validate_certs
  ca_path:
    vars:
      - name: falcon_ca_path
    ini:
      - section: secops_falcon
        key: ca_path
  proxy:
    vars:
      - name: falcon_proxy
    ini:
      - section: secops_falcon
        key: proxy
  use_proxy:
    vars:
      - name: falcon_use_proxy
    ini:
      - section: secops_falcon
        key: use_proxy
  timeout:
    vars:
      - name: falcon_timeout
    ini:
      - section: secops_falcon
        key: timeout
  retries:
    vars:
      - name: falcon_retries
    ini:
      - section: secops_falcon
        key: retries
  user_agent:
    vars:
      - name: falcon_user_agent
  token_cache:
    vars:
      - name: falcon_token_cache
    ini:
      - section: secops_falcon
        key: token_cache
  token_cache_dir:
    env:
      - name: FALCON_TOKEN_CACHE_DIR
    vars:
      - name: falcon_token_cache_dir
    ini:
      - section: secops_falcon
        key: token_cache_dir
"""

    # Attributes as parts that modules compose in extends_documentation_fragment (never concatenated in Python: the
    # yamllint sanity test reads each fragment as a literal). Every module takes attributes_action_group, plus one of
    # attributes_read_only (it only reads) and attributes_changes (check mode predicts, diff shows the change).
    ATTRIBUTES_ACTION_GROUP = r"""
attributes:
  action_group:
    description: Use C(group/secops.falcon.falcon) in C(module_defaults) to set the common options once.
    support: full
    membership:
      - secops.falcon.falcon
"""

    ATTRIBUTES_READ_ONLY = r"""
attributes:
  check_mode:
    description: Can run in check mode and return the same information as a normal run (it only reads).
    support: full
  diff_mode:
    description: Nothing is changed, so there is no diff.
    support: none
"""

    ATTRIBUTES_CHANGES = r"""
attributes:
  check_mode:
    description: Can run in check mode and return the changed status prediction without modifying the platform.
    support: full
  diff_mode:
    description: Returns details on what has changed (or would change in check mode), in diff mode.
    support: full
"""

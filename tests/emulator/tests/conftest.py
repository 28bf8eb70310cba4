"""Helpers for the emulator's own tests: a plain requests client with a token of a given API client."""

import pytest
import requests
from falcon_emulator.clients import DEFAULT_CLIENT


class Api:
    """A bearer-token client of one emulator listener (requests, no environment proxies or CA overrides)."""

    def __init__(self, base_url, verify=True):
        self.base_url = base_url
        self.verify = verify
        self.session = requests.Session()
        self.session.trust_env = False
        self.token = None

    def login(self, client=DEFAULT_CLIENT, **form):
        """Get a token for client (form fields) and keep it; return the token response."""
        data = {'client_id': client.client_id, 'client_secret': client.client_secret}
        data.update(form)
        reply = self.call('POST', '/oauth2/token', data=data, auth_header=False)
        if reply.status_code == 201:
            self.token = reply.json()['access_token']
        return reply

    def call(self, method, path, auth_header=True, **kwargs):
        """Send one request; the bearer token is added unless auth_header is False."""
        headers = kwargs.pop('headers', {})
        if auth_header and self.token:
            headers.setdefault('Authorization', 'Bearer ' + self.token)
        return self.session.request(
            method, self.base_url + path, headers=headers, verify=self.verify, timeout=30, **kwargs
        )

    def get(self, path, **kwargs):
        """GET with the token."""
        return self.call('GET', path, **kwargs)

    def post(self, path, **kwargs):
        """POST with the token."""
        return self.call('POST', path, **kwargs)


@pytest.fixture
def api_for():
    """Factory: api_for(emulator, client=DEFAULT_CLIENT, cloud='us-1') -> logged-in Api."""
    made = []

    def factory(emulator, client=DEFAULT_CLIENT, cloud='us-1', login=True):
        """Build (and log in) one Api."""
        api = Api(emulator.url_for(cloud), verify=emulator.ca_path or True)
        if login:
            reply = api.login(client)
            assert reply.status_code == 201, reply.text
        made.append(api)
        return api

    yield factory
    for api in made:
        api.session.close()


@pytest.fixture
def api(falcon_emulator, api_for):  # pylint: disable=redefined-outer-name
    """A logged-in DEFAULT_CLIENT Api on falcon_emulator's us-1."""
    return api_for(falcon_emulator)

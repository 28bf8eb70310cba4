"""Fixtures of the event source tests: the source module loaded from its file, and the fake Alerts API (eda_fakes.py)."""

import importlib.util
import os
import sys

import pytest
from env_guard import clear_with_monkeypatch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from eda_fakes import CLIENT_ID, CLIENT_SECRET, SOURCE_FILE, AlertsApi, FakeSession  # noqa: E402  pylint: disable=wrong-import-position


@pytest.fixture
def source_module():
    """The falcon_alerts source plugin, loaded from its file as ansible-rulebook loads it (a fresh module each time)."""
    spec = importlib.util.spec_from_file_location('falcon_alerts_under_test', SOURCE_FILE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def alerts_api(monkeypatch):
    """An AlertsApi that every FalconClient of the test talks to (requests.Session is the one seam)."""
    from ansible_collections.secops.falcon.plugins.module_utils import _http

    api = AlertsApi()
    monkeypatch.setattr(_http.requests, 'Session', lambda: FakeSession(handler=api))
    monkeypatch.setattr(_http, '_sleep', lambda seconds: None)
    return api


@pytest.fixture
def source_args(tmp_path):
    """Arguments of a source on the fake API with a private state file and token cache."""
    cache = tmp_path / 'token-cache'
    cache.mkdir(mode=0o700)
    return {
        'client_id': CLIENT_ID,
        'client_secret': CLIENT_SECRET,
        'cloud': 'us-1',
        'interval': 5,
        # The tests' alerts are stamped at a fixed past time: a first start takes the newest as its watermark.
        'initial_lookback': 0,
        # No reconcile event (test_falcon_alerts_cap.py tests them): the other tests count alert events only.
        'reconcile_interval': 0,
        'state_file': str(tmp_path / 'state' / 'falcon_alerts.json'),
        'token_cache_dir': str(cache),
    }


@pytest.fixture(autouse=True)
def _no_falcon_env(monkeypatch, tmp_path):
    """No FALCON_* settings or real cache directory of the user leak into a test."""
    monkeypatch.setenv('XDG_CACHE_HOME', str(tmp_path / 'xdg-cache'))
    clear_with_monkeypatch(monkeypatch, os.environ)

"""pytest fixtures: falcon_emulator (a started Emulator), emulator_factory and emulator_env."""

import pytest

from .clients import DEFAULT_CLIENT
from .config import EmulatorConfig
from .emulator import Emulator


@pytest.fixture
def falcon_emulator():
    """A running emulator (50 hosts, containment_delay 0.5, no token rate limit), stopped after the test."""
    emulator = Emulator(EmulatorConfig(hosts=50, seed=1, containment_delay=0.5, token_rate_limit=None)).start()
    try:
        yield emulator
    finally:
        emulator.stop()


@pytest.fixture
def emulator_factory():
    """Call with EmulatorConfig keyword arguments to get a started Emulator; all are stopped at teardown."""
    started = []

    def factory(**kwargs):
        """Start one emulator."""
        kwargs.setdefault('token_rate_limit', None)
        emulator = Emulator(EmulatorConfig(**kwargs)).start()
        started.append(emulator)
        return emulator

    try:
        yield factory
    finally:
        for emulator in started:
            emulator.stop()


@pytest.fixture
def emulator_env(falcon_emulator):  # pylint: disable=redefined-outer-name
    """FALCON_* variables for DEFAULT_CLIENT on falcon_emulator, to merge into a subprocess environment."""
    return {
        'FALCON_CLIENT_ID': DEFAULT_CLIENT.client_id,
        'FALCON_CLIENT_SECRET': DEFAULT_CLIENT.client_secret,
        'FALCON_BASE_URL': falcon_emulator.url,
    }

"""A local emulator of the CrowdStrike Falcon REST API for tests, benchmarks and the demo."""

from .config import CLOUDS, EmulatorConfig
from .emulator import Emulator

__all__ = ['CLOUDS', 'Emulator', 'EmulatorConfig']

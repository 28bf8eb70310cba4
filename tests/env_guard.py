"""The environment variables that change how the collection connects, and clearing them for tests.

The machines that run the suite export whatever their users need (a user's may export HTTPS_PROXY, CI exports CA
bundles). No test may depend on that: every test process starts without the variables below, and a test of environment
handling sets them itself. The CA bundle variables stay: they name the system bundle, and the tests that are about them
set or clear them explicitly.
"""

PROXY_VARIABLES = tuple(
    name for base in ('http_proxy', 'https_proxy', 'all_proxy', 'no_proxy') for name in (base, base.upper())
)
FALCON_PREFIXES = ('FALCON_', 'SECOPS_FALCON_')
# Settings of the test harness itself (set by scripts/test_all.sh and scripts/matrix.sh), not of a connection.
HARNESS_VARIABLES = ('FALCON_EDA_VENV',)
HARNESS_PREFIX = 'FALCON_TEST_'


def connection_variables(environ):
    """Names in environ that would steer a Falcon connection: FALCON_*, SECOPS_FALCON_*, proxies (not FALCON_TEST_*)."""
    return sorted(
        name
        for name in environ
        if (name.startswith(FALCON_PREFIXES) or name in PROXY_VARIABLES)
        and not (name.startswith(HARNESS_PREFIX) or name in HARNESS_VARIABLES)
    )


def clear_connection_environment(environ):
    """Remove those variables from environ (a dict or os.environ); return the names removed."""
    names = connection_variables(environ)
    for name in names:
        del environ[name]
    return names


def clear_with_monkeypatch(monkeypatch, environ):
    """The same, undone after the test (pytest's monkeypatch)."""
    for name in connection_variables(environ):
        monkeypatch.delenv(name, raising=False)

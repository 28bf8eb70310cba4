"""Reading what a play did: emulator call counts, results by label, the connection variables of the test plays."""

from falcon_emulator.clients import DEFAULT_CLIENT


def calls(emulator, key):
    """How many requests the emulator saw for 'METHOD /path'."""
    return emulator.counters()['calls'].get(key, 0)


def by_label_any_rc(run):
    """{label: result} of a play that saved its looped results (whatever its exit code)."""
    assert run.results is not None, run.explain()
    return {r['item']['label']: r for r in run.results}


def by_label(run):
    """{label: result} of a play that saved its looped results and succeeded."""
    assert run.rc == 0, run.explain()
    return by_label_any_rc(run)


def connection(emulator):
    """Variables the test plays' module_defaults for the action group read (instead of FALCON_* variables)."""
    return {
        'falcon_client_id': DEFAULT_CLIENT.client_id,
        'falcon_client_secret': DEFAULT_CLIENT.client_secret,
        'falcon_base_url': emulator.url,
    }

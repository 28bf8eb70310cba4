"""Building blocks of the reliability tests: API paths, counter keys and the step() scenario builder for steps.yml."""

TOKEN = 'POST /oauth2/token'
SCROLL_PATH = '/devices/queries/devices-scroll/v1'
SCROLL = 'GET ' + SCROLL_PATH
DETAILS_PATH = '/devices/entities/devices/v2'
DETAILS = 'POST ' + DETAILS_PATH
ACTION_PATH = '/devices/entities/devices-actions/v2'
ACTION = 'POST ' + ACTION_PATH
ALL_PLATFORMS = "platform_name:['Windows','Mac','Linux']"


def step(label, module, args=None, faults=None, **extra):
    """One scenario of steps.yml; faults (a list of emulator fault dicts) are active during this step only.

    extra: emulator (other emulator settings), revoke_all (bool), pause (seconds).
    """
    item = {'label': label, 'module': module, 'args': args or {}}
    settings = dict(extra.pop('emulator', {}))
    if faults is not None:
        settings['faults'] = faults
    if settings:
        item['emulator'] = settings
    item.update(extra)
    return item


def assert_ok(steps, label, devices=None):
    """The step succeeded (and returned that many devices, when given); return its result."""
    result = steps.result(label)
    assert not result.get('failed'), (label, result.get('msg'), steps.by_label[label]['counters'])
    if devices is not None:
        assert len(result['devices']) == devices, label
    return result


def assert_failed(steps, label, *fragments):
    """The step failed with a message holding every fragment; return its result."""
    result = steps.result(label)
    assert result.get('failed') is True, (label, result.get('msg'), steps.by_label[label]['counters'])
    for fragment in fragments:
        assert fragment in result['msg'], (label, fragment, result['msg'])
    return result


class Steps:
    """The outcomes of a steps.yml run, by label."""

    def __init__(self, run):
        assert run.results is not None, run.explain()
        self.run = run
        self.by_label = dict((o['label'], o) for o in run.results)

    def result(self, label):
        """The module result of one step."""
        return self.by_label[label]['result']

    def calls(self, label, key):
        """How many 'METHOD /path' requests the emulator saw during one step."""
        return self.by_label[label]['counters']['calls'].get(key, 0)

    def tokens(self, label):
        """How many tokens were requested during one step."""
        return self.by_label[label]['counters']['token_requests_total']

    def seconds(self, label):
        """How long the step's module took (wall clock)."""
        return self.by_label[label]['seconds']

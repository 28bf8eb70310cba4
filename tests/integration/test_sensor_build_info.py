"""falcon_sensor_build_info through the real ansible-playbook against the emulator.

Builds per platform and stage, a kernel every Linux sensor supports, one only the newest supports, the same release
on arm64, a kernel no record knows, a raw kernel_filter, bad input (no request made) and a client without the scope.
"""

from falcon_emulator.clients import NOSCOPE_CLIENT
from falcon_emulator.sensor_builds import BUILDS as EMULATED_BUILDS
from falcon_emulator.sensor_kernels import RECORDS
from play_results import by_label, calls, connection

BUILDS = 'GET /policy/combined/sensor-update-builds/v1'
KERNELS = 'GET /policy/combined/sensor-update-kernels/v1'
LINUX_VERSIONS = ['7.18.18803', '7.17.18707', '7.16.18613', '7.15.18514']

CASES = [
    {'label': 'windows prod', 'platform': 'windows', 'stage': ['prod']},
    {'label': 'linux both stages', 'platform': 'linux'},
    {'label': 'zlinux early adopter', 'platform': 'zlinux', 'stage': ['early_adopter']},
    {'label': 'mac in check mode', 'platform': 'mac', 'check_mode': True},
    {'label': 'supported kernel', 'platform': 'linux', 'kernel_release': '5.15.0-1019-aws', 'kernel_vendor': 'ubuntu'},
    {'label': 'newest sensor only', 'platform': 'linux', 'stage': ['prod'], 'kernel_release': '6.5.0-1015-aws'},
    {'label': 'same release on arm64', 'platform': 'linuxarm64', 'kernel_release': '5.15.0-1019-aws'},
    {'label': 'kernels only, aarch64', 'kernel_release': '6.1.0-18-arm64', 'architecture': 'aarch64'},
    {'label': 'unknown kernel', 'platform': 'linux', 'stage': ['prod'], 'kernel_release': '5.15.0-9999-aws'},
    {'label': 'raw kernel filter', 'kernel_filter': "vendor:'ubuntu'+release:'5.15.0-1019-aws'"},
    {'label': 'rejected kernel filter', 'kernel_filter': "kernel:'x'"},
    {'label': 'bad platform', 'platform': 'solaris'},
    {'label': 'bad stage', 'platform': 'linux', 'stage': ['beta']},
    {'label': 'empty kernel release', 'platform': 'linux', 'kernel_release': ' '},
    {'label': 'bad architecture', 'kernel_release': '5.15.0-1019-aws', 'architecture': 'sparc'},
    {'label': 'kernel of windows', 'platform': 'windows', 'kernel_release': '5.15.0-1019-aws'},
    {
        'label': 'no scope',
        'platform': 'linux',
        'client_id': NOSCOPE_CLIENT.client_id,
        'client_secret': NOSCOPE_CLIENT.client_secret,
    },
]


def test_builds_and_kernel_support(falcon_emulator, run_playbook):
    falcon_emulator.reset_counters()
    run = run_playbook('sensor_build_info_cases', {}, extra_vars=dict(connection(falcon_emulator), cases=CASES))
    results = by_label(run)

    def ok(label):
        result = results[label]
        assert result['failed'] is False and result['changed'] is False, result
        return result

    def support(label):
        return [(b['sensor_version'], b['stage'], b['supports_kernel']) for b in ok(label)['builds']]

    windows = ok('windows prod')
    assert {b['platform'] for b in windows['builds']} == {'windows'} and {b['stage'] for b in windows['builds']} == {
        'prod'
    }
    assert len(windows['builds']) == len([b for b in EMULATED_BUILDS['windows'] if b['stage'] == 'prod'])
    assert windows['builds'][0]['sensor_version'] == '7.18.18812' and windows['kernels'] == []
    assert all(b['supports_kernel'] is None for b in windows['builds'])
    linux = ok('linux both stages')['builds']
    assert len(linux) == len(EMULATED_BUILDS['linux']) and linux[0]['stage'] == 'early_adopter'
    assert [b['sensor_version'] for b in linux] == sorted(
        (b['sensor_version'] for b in linux), key=lambda v: [int(p) for p in v.split('.')], reverse=True
    )
    zlinux = ok('zlinux early adopter')['builds']
    assert [(b['platform'], b['stage']) for b in zlinux] == [('zlinux', 'early_adopter')]
    assert ok('mac in check mode')['builds'][0]['platform'] == 'mac'

    # 5.15.0-1019-aws on x86_64: every released Linux sensor supports it, the early adopter build is not listed.
    supported = ok('supported kernel')
    assert [(k['distro'], k['architecture']) for k in supported['kernels']] == [('ubuntu20', 'x86_64')]
    assert supported['kernel_supported_by'] == LINUX_VERSIONS
    assert all(s is (stage == 'prod') for _v, stage, s in support('supported kernel'))
    # 6.5.0-1015-aws: only the newest prod sensor (N) supports it; N-1 and N-2 do not.
    newest = ok('newest sensor only')
    assert newest['kernel_supported_by'] == ['7.18.18803']
    assert {(v, s) for v, _stage, s in support('newest sensor only')} == {
        ('7.18.18803', True),
        ('7.17.18707', False),
        ('7.16.18613', False),
        ('7.15.18514', False),
    }
    assert '3 of 8 builds' in newest['msg'] and 'supported by sensor 7.18.18803' in newest['msg']
    # The same release on arm64 is another record: 7.16 and later.
    arm = ok('same release on arm64')
    assert [k['architecture'] for k in arm['kernels']] == ['aarch64']
    assert arm['kernel_supported_by'] == LINUX_VERSIONS[:3]
    assert ('7.15.18514', 'prod', False) in support('same release on arm64')
    only = ok('kernels only, aarch64')
    assert only['builds'] == [] and [k['distro'] for k in only['kernels']] == ['debian12']
    assert only['kernel_supported_by'] == LINUX_VERSIONS[:2]

    unknown = ok('unknown kernel')
    assert unknown['kernels'] == [] and unknown['kernel_supported_by'] == []
    assert unknown['builds'] and all(b['supports_kernel'] is False for b in unknown['builds'])
    assert 'No kernel record for 5.15.0-9999-aws (x86_64): not known to be supported.' in unknown['msg']

    # A raw filter returns what it matches (both architectures); a version must support every record.
    raw = ok('raw kernel filter')
    expected = [k for k in RECORDS if k['vendor'] == 'ubuntu' and k['release'] == '5.15.0-1019-aws']
    assert raw['kernels'] == expected and len(expected) == 2
    assert raw['kernel_supported_by'] == LINUX_VERSIONS[:3]

    for label, words in (
        ('rejected kernel filter', "The API rejected the FQL filter \"kernel:'x'\""),
        ('bad platform', 'solaris'),
        ('bad stage', 'beta'),
        ('empty kernel release', 'kernel_release is empty'),
        ('bad architecture', "Invalid architecture 'sparc'"),
        ('kernel of windows', 'not platform windows'),
        ('no scope', 'sensor-update-policies:read (Sensor update policies: Read)'),
    ):
        assert results[label]['failed'] is True and words in results[label]['msg'], (label, results[label]['msg'])
    # Bad input costs no request: builds for the 8 cases with a good platform and the no-scope one; kernels once per
    # kernel case (one page each) and the rejected filter.
    assert calls(falcon_emulator, BUILDS) == 9
    assert calls(falcon_emulator, KERNELS) == 7

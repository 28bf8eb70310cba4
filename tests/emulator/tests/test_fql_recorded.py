"""FQL string matching as recorded on hosts (API behaviour 9.2): prefix single form, case-sensitive lists, wildcards,
!~."""

import pytest
from falcon_emulator.fql import Field, FQLError, compile_filter

NOW = 1700000000.0
FIELDS = {
    'hostname': Field('text', lambda r: r['hostname']),
    'platform': Field('str', lambda r: r['platform']),
    'tags': Field('list', lambda r: r['tags']),
    'count': Field('num', lambda r: r['count']),
}
ROWS = [
    {'hostname': 'web-1', 'platform': 'Linux', 'tags': ['Prod'], 'count': 1},
    {'hostname': 'web-10', 'platform': 'Linux', 'tags': ['prod'], 'count': 2},
    {'hostname': 'WEB-11', 'platform': 'Windows', 'tags': [], 'count': 3},
    {'hostname': 'db-01', 'platform': 'Windows', 'tags': ['Prod', 'db'], 'count': 4},
    {'hostname': 'mail-01', 'platform': 'Mac', 'tags': [], 'count': 5},
]


def names(text, mode='recorded'):
    """Hostnames of the rows a filter keeps."""
    predicate = compile_filter(text, FIELDS, NOW, mode)
    return [r['hostname'] for r in ROWS if predicate(r)]


@pytest.mark.parametrize(
    'text, expected',
    [
        # the single form on a text field: case-insensitive prefix
        ("hostname:'web-1'", ['web-1', 'web-10', 'WEB-11']),
        ("hostname:'WEB-10'", ['web-10']),
        ("hostname:'web*'", ['web-1', 'web-10', 'WEB-11']),
        ("hostname:'w*-1'", ['web-1', 'web-10', 'WEB-11']),
        ("hostname:!'web-1'", ['db-01', 'mail-01']),
        # a leading wildcard works and anchors the match at the end; a contains wildcard matches nothing
        ("hostname:'*-01'", ['db-01', 'mail-01']),
        ("hostname:'*-1'", ['web-1']),
        ("hostname:'*eb*'", []),
        ("hostname:'*'", ['web-1', 'web-10', 'WEB-11', 'db-01', 'mail-01']),
        # the list form: exact and case-sensitive, on every string field
        ("hostname:['web-1']", ['web-1']),
        ("hostname:['web-11','DB-01']", []),
        ("hostname:['WEB-11','db-01']", ['WEB-11', 'db-01']),
        ("hostname:['web*']", []),
        ("hostname:!['web-1','db-01']", ['web-10', 'WEB-11', 'mail-01']),
        ("platform:['windows']", []),
        ("platform:['Windows']", ['WEB-11', 'db-01']),
        ("tags:['prod']", ['web-10']),
        # the single form on keyword fields: whole value, any case
        ("platform:'windows'", ['WEB-11', 'db-01']),
        ("platform:'Win'", []),
        ("tags:'prod'", ['web-1', 'web-10', 'db-01']),
        # other operators are unchanged
        ("hostname:~'eb-1'", ['web-1', 'web-10', 'WEB-11']),
        ('count:[1,5]', ['web-1', 'mail-01']),
        ("hostname:'web-1'+count:>1", ['web-10', 'WEB-11']),
    ],
)
def test_recorded_matching(text, expected):
    """Each recorded rule selects what the real API was seen to select."""
    assert names(text) == expected


@pytest.mark.parametrize(
    'text, expected',
    [
        ("hostname:'web-1'", ['web-1']),
        ("hostname:['web-11','DB-01']", ['WEB-11', 'db-01']),
        ("hostname:'*eb*'", ['web-1', 'web-10', 'WEB-11']),
        ("hostname:!~'web'", ['db-01', 'mail-01']),
        ("platform:['windows']", ['WEB-11', 'db-01']),
    ],
)
def test_exact_mode_keeps_the_older_guess(text, expected):
    """fql_text_match='exact': whole values ignoring case everywhere, lists too; wildcards anywhere; !~ works."""
    assert names(text, 'exact') == expected


def test_not_tilde_is_refused():
    """!~ is not supported on hosts (falcon-mcp FQL guide): the API's parse error names the property."""
    with pytest.raises(FQLError, match=r"operator '!~' is not supported for property 'hostname'"):
        compile_filter("hostname:!~'web'", FIELDS, NOW, 'recorded')


def test_unknown_mode_is_refused():
    """A typo in the mode is a programming error, not a silent fallback."""
    with pytest.raises(ValueError, match='mode must be one of'):
        compile_filter("hostname:'x'", FIELDS, NOW, 'fuzzy')


def test_unknown_fields_can_match_nothing():
    """unknown_fields='nothing' (policies, API behaviour 9.3): the term selects nothing instead of raising."""
    predicate = compile_filter("nope:'x',platform:'Mac'", FIELDS, NOW, 'recorded', unknown_fields='nothing')
    assert [r['hostname'] for r in ROWS if predicate(r)] == ['mail-01']
    with pytest.raises(FQLError, match="'nope' is an unknown property"):
        compile_filter("nope:'x'", FIELDS, NOW, 'recorded')

"""The FQL subset: parsing, operators, types and the API's error wording."""

import pytest
from falcon_emulator.fql import Field, FQLError, compile_filter, parse_sort, parse_time

NOW = 1700000000.0
FIELDS = {
    'name': Field('str', lambda r: r['name']),
    'count': Field('num', lambda r: r['count']),
    'enabled': Field('bool', lambda r: r['enabled']),
    'seen': Field('time', lambda r: r['seen']),
    'tags': Field('list', lambda r: r['tags']),
}
ROWS = [
    {'name': 'web-01', 'count': 5, 'enabled': True, 'seen': NOW - 3600, 'tags': ['prod', 'web']},
    {'name': 'web-02', 'count': 15, 'enabled': False, 'seen': NOW - 86400 * 10, 'tags': ['dev']},
    {'name': "db-o'neil", 'count': 100, 'enabled': True, 'seen': NOW - 86400 * 40, 'tags': []},
    {'name': 'DB-02', 'count': 7, 'enabled': False, 'seen': NOW - 60, 'tags': ['prod', 'db']},
]


def names(text):
    """Names of the rows a filter keeps."""
    predicate = compile_filter(text, FIELDS, NOW)
    return [r['name'] for r in ROWS if predicate(r)]


@pytest.mark.parametrize(
    'text, expected',
    [
        ("name:'web-01'", ['web-01']),
        ('name:"web-01"', ['web-01']),
        ("name:'WEB-01'", ['web-01']),
        ('name:web-01', ['web-01']),
        ("name:'web*'", ['web-01', 'web-02']),
        ("name:'*02'", ['web-02', 'DB-02']),
        ("name:!'web*'", ["db-o'neil", 'DB-02']),
        ("name:['web-01','DB-02']", ['web-01', 'DB-02']),
        ("name:!['web-01','DB-02']", ['web-02', "db-o'neil"]),
        ("name:'db-o\\'neil'", ["db-o'neil"]),
        ("name:~'eb'", ['web-01', 'web-02']),
        ("name:!~'eb'", ["db-o'neil", 'DB-02']),
        ('count:5', ['web-01']),
        ('count:>7', ['web-02', "db-o'neil"]),
        ('count:>=7', ['web-02', "db-o'neil", 'DB-02']),
        ('count:<7', ['web-01']),
        ('count:<=7', ['web-01', 'DB-02']),
        ('enabled:true', ['web-01', "db-o'neil"]),
        ('enabled:false', ['web-02', 'DB-02']),
        ("seen:>'now-1d'", ['web-01', 'DB-02']),
        ("seen:<'now-30d'", ["db-o'neil"]),
        ("seen:<='2023-11-01T00:00:00Z'", ["db-o'neil"]),
        ("seen:>'2023-11-14'", ['web-01', 'DB-02']),
        ("tags:'prod'", ['web-01', 'DB-02']),
        ("tags:!'prod'", ['web-02', "db-o'neil"]),
        ("enabled:true+count:>10", ["db-o'neil"]),
        ("enabled:true count:>10", ["db-o'neil"]),
        ("name:'web-01',name:'DB-02'", ['web-01', 'DB-02']),
        ("(name:'web*',tags:'db')+enabled:false", ['web-02', 'DB-02']),
        ("name:'web*',tags:'db'+enabled:false", ['web-01', 'web-02', 'DB-02']),
        ('', ['web-01', 'web-02', "db-o'neil", 'DB-02']),
    ],
)
def test_filters(text, expected):
    """Each operator and combination selects the expected rows."""
    assert names(text) == expected


@pytest.mark.parametrize(
    'text, problem',
    [
        ("nope:'x'", "'nope' is an unknown property"),
        ("name:'x", "unterminated string for property 'name'"),
        ("name'x'", "expected ':' after property 'name'"),
        ("(name:'x'", 'missing closing parenthesis'),
        ('count:>abc', "'abc' is not a valid number for property 'count'"),
        ("seen:>'yesterday'", "'yesterday' is not a valid timestamp for property 'seen'"),
        ('enabled:maybe', "'maybe' is not a valid boolean for property 'enabled'"),
        ("name:['a',", "missing value for property 'name'"),
        ("name:'a' )", 'unexpected'),
        ('name:', "missing value for property 'name'"),
    ],
)
def test_parse_errors_name_the_problem(text, problem):
    """Bad filters raise with the API's prefix and a message naming the problem."""
    with pytest.raises(FQLError) as caught:
        compile_filter(text, FIELDS, NOW)
    assert str(caught.value).startswith('Failed to parse filter expression. [')
    assert problem in str(caught.value)


def test_relative_and_absolute_times():
    """now-Nd/h/m and ISO dates parse to epoch seconds."""
    assert parse_time('now', NOW) == NOW
    assert parse_time('now-2h', NOW) == NOW - 7200
    assert parse_time('now+1w', NOW) == NOW + 604800
    assert parse_time('2023-11-14T22:13:20Z', 0) == 1700000000
    assert parse_time('not a time', NOW) is None


@pytest.mark.parametrize(
    'text, expected',
    [
        ('hostname.asc', ('hostname', False)),
        ('hostname.desc', ('hostname', True)),
        ('hostname|desc', ('hostname', True)),
        ('hostname', ('hostname', False)),
        ('local_ip.raw.desc', ('local_ip.raw', True)),
    ],
)
def test_sort_forms(text, expected):
    """field.asc, field.desc, field|asc and bare field are accepted."""
    assert parse_sort(text, {'hostname', 'local_ip.raw'}) == expected


@pytest.mark.parametrize('text', ['nope.asc', 'hostname.sideways', 'hostname desc'])
def test_bad_sort(text):
    """An unknown field or direction is refused, naming the allowed fields."""
    with pytest.raises(ValueError, match='Invalid sort'):
        parse_sort(text, {'hostname'})

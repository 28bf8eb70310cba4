"""A Falcon Query Language (FQL) subset: parse a filter into a predicate and a sort spec into a key.

Supported: field:'value', field:"value", unquoted numbers/booleans/words, wildcards (*), lists field:['a','b'],
negation field:!'v', comparisons > >= < <= (times as times, numbers as numbers), text match ~ and !~,
+ (or whitespace) for AND, comma for OR, parentheses.

String matching has two modes (see match_string_test):
- 'recorded' (API behaviour 9.2, the default on hosts): the single form field:'v' ignores case and is a PREFIX match on
  text fields (kind 'text': hostname:'web-1' also selects web-10) and an exact match on keyword fields (kind 'str');
  the list form field:['a','b'] is exact and case-sensitive; a leading wildcard ('*-01') works, a contains wildcard
  ('*x*') matches nothing; !~ is refused.
- 'exact' (the older guess): every string match is exact and ignores case, lists included; wildcards anywhere.
"""

import datetime
import re
from operator import ge as operator_ge
from operator import gt as operator_gt
from operator import le as operator_le
from operator import lt as operator_lt

FIELD_RE = re.compile(r'[A-Za-z_][A-Za-z0-9_.\-]*')
OPERATORS = ('!~', '>=', '<=', '!', '~', '>', '<')
RELATIVE_RE = re.compile(r'^now(?:([+-])(\d+)([smhdwy]))?$', re.IGNORECASE)
UNIT_SECONDS = {'s': 1, 'm': 60, 'h': 3600, 'd': 86400, 'w': 604800, 'y': 31536000}
BARE_STOP = set(' \t\r\n,+)]')


class FQLError(ValueError):
    """A filter or sort the API would refuse; str() is the API-style message."""

    def __init__(self, problem):
        super().__init__('Failed to parse filter expression. [%s]' % problem)
        self.problem = problem


MODES = ('recorded', 'exact')


class Field:
    """How to read one filterable field: kind is text, str (keyword), time, num, bool or list (list of str)."""

    __slots__ = ('kind', 'getter')

    def __init__(self, kind, getter):
        self.kind = kind
        self.getter = getter


def parse_time(text, now):
    """Parse an FQL time value (ISO 8601 or now[+-]N[smhdwy]) into epoch seconds, or None."""
    rel = RELATIVE_RE.match(text.strip())
    if rel:
        if not rel.group(1):
            return now
        delta = int(rel.group(2)) * UNIT_SECONDS[rel.group(3).lower()]
        return now + delta if rel.group(1) == '+' else now - delta
    value = text.strip()
    if value.endswith('Z') or value.endswith('z'):
        value = value[:-1] + '+00:00'
    try:
        parsed = datetime.datetime.fromisoformat(value)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=datetime.timezone.utc)
    return parsed.timestamp()


class _Parser:
    """Recursive-descent parser over the raw filter text (values may contain ':' so no separate lexer)."""

    def __init__(self, text):
        self.text = text
        self.pos = 0

    def fail(self, problem):
        """Raise an FQLError."""
        raise FQLError(problem)

    def skip(self):
        """Skip whitespace."""
        while self.pos < len(self.text) and self.text[self.pos].isspace():
            self.pos += 1

    def peek(self):
        """Next non-blank character or ''."""
        self.skip()
        return self.text[self.pos] if self.pos < len(self.text) else ''

    def parse(self):
        """Parse the whole filter."""
        node = self.parse_or()
        if self.peek():
            self.fail("unexpected %r at position %d" % (self.text[self.pos : self.pos + 20], self.pos))
        return node

    def parse_or(self):
        """a,b -> OR."""
        items = [self.parse_and()]
        while self.peek() == ',':
            self.pos += 1
            items.append(self.parse_and())
        return items[0] if len(items) == 1 else ('or', items)

    def parse_and(self):
        """a+b (or a b, as an unencoded + arrives as a space) -> AND."""
        items = [self.parse_primary()]
        while True:
            char = self.peek()
            if char == '+':
                self.pos += 1
                items.append(self.parse_primary())
            elif char and (char == '(' or char == '!' or FIELD_RE.match(char)):
                items.append(self.parse_primary())
            else:
                break
        return items[0] if len(items) == 1 else ('and', items)

    def parse_primary(self):
        """(expr), !(expr) or field:op value."""
        char = self.peek()
        if char == '(':
            self.pos += 1
            node = self.parse_or()
            if self.peek() != ')':
                self.fail('missing closing parenthesis at position %d' % self.pos)
            self.pos += 1
            return node
        if char == '!' and self.text[self.pos + 1 : self.pos + 2] == '(':
            self.pos += 1
            return ('not', self.parse_primary())
        match = FIELD_RE.match(self.text, self.pos)
        if not match:
            self.fail(
                'expected a property name at position %d, found %r'
                % (self.pos, self.text[self.pos : self.pos + 20] or 'end of filter')
            )
        field = match.group(0)
        self.pos = match.end()
        if self.peek() != ':':
            self.fail("expected ':' after property '%s'" % field)
        self.pos += 1
        operator = ''
        for candidate in OPERATORS:
            if self.text.startswith(candidate, self.pos):
                operator = candidate
                self.pos += len(candidate)
                break
        if operator == '' and self.text.startswith('=', self.pos):
            self.pos += 1  # field:='x' is the same as field:'x'
        return ('term', field, operator, self.parse_value(field))

    def parse_value(self, field):
        """A quoted string, a [list] or a bare word."""
        char = self.peek()
        if char == '[':
            self.pos += 1
            values = []
            while True:
                if self.peek() == ']':
                    self.pos += 1
                    break
                values.append(self.parse_scalar(field))
                sep = self.peek()
                if sep == ',':
                    self.pos += 1
                elif sep != ']':
                    self.fail("expected ',' or ']' in the list of property '%s'" % field)
            if not values:
                self.fail("empty list for property '%s'" % field)
            return ('list', values)
        return self.parse_scalar(field)

    def parse_scalar(self, field):
        """One value: ('str', text, quoted)."""
        char = self.peek()
        if char in ('"', "'"):
            self.pos += 1
            out = []
            while self.pos < len(self.text):
                cur = self.text[self.pos]
                if cur == '\\' and self.pos + 1 < len(self.text):
                    out.append(self.text[self.pos + 1])
                    self.pos += 2
                    continue
                if cur == char:
                    self.pos += 1
                    return ('str', ''.join(out), True)
                out.append(cur)
                self.pos += 1
            self.fail("unterminated string for property '%s'" % field)
        start = self.pos
        while self.pos < len(self.text) and self.text[self.pos] not in BARE_STOP:
            self.pos += 1
        if start == self.pos:
            self.fail("missing value for property '%s'" % field)
        return ('str', self.text[start : self.pos], False)


def _number(field, text):
    """Parse a number or raise FQLError."""
    try:
        return float(text)
    except ValueError:
        raise FQLError("'%s' is not a valid number for property '%s'" % (text, field)) from None


def _bool(field, text):
    """Parse true/false or raise FQLError."""
    low = text.lower()
    if low not in ('true', 'false'):
        raise FQLError("'%s' is not a valid boolean for property '%s'" % (text, field))
    return low == 'true'


def _negate(test):
    """The opposite predicate."""

    def negated(value):
        return not test(value)

    return negated


def _text_match(kind, text):
    """Case-insensitive substring test (the ~ operator)."""
    needle = text.lower()

    def contains(value):
        if kind == 'list':
            return any(needle in item.lower() for item in value)
        return value is not None and needle in str(value).lower()

    return contains


def _range_test(field, kind, operator, text, now):
    """A > >= < <= comparison: times as times, numbers as numbers, strings ignoring case."""
    if kind == 'time':
        bound = parse_time(text, now)
        if bound is None:
            raise FQLError("'%s' is not a valid timestamp for property '%s'" % (text, field))
    elif kind == 'num':
        bound = _number(field, text)
    elif kind == 'str':
        bound = text.lower()
    else:
        raise FQLError("operator '%s' is not supported for property '%s'" % (operator, field))
    compare = {'>': operator_gt, '>=': operator_ge, '<': operator_lt, '<=': operator_le}[operator]

    def in_range(value):
        if value is None or value == '':
            return False
        return compare(value.lower() if kind == 'str' else value, bound)

    return in_range


def _string_equals(kind, text):
    """Case-insensitive equality, with * wildcards; list fields match when any element does."""
    low = text.lower()
    pattern = (
        re.compile('.*'.join(re.escape(part) for part in low.split('*')) + r'\Z', re.DOTALL) if '*' in low else None
    )

    def one(item):
        if item is None:
            return False
        if pattern is not None:
            return pattern.match(str(item).lower()) is not None
        return str(item).lower() == low

    def equals(value):
        if kind == 'list':
            return any(one(item) for item in value)
        return one(value)

    return equals


def _glob(low, open_end):
    """A compiled regex for a lower-case * pattern, anchored at the start (and at the end unless open_end)."""
    return re.compile('.*'.join(re.escape(part) for part in low.split('*')) + ('' if open_end else r'\Z'), re.DOTALL)


def _recorded_string_test(kind, text):
    """The single form as recorded (API behaviour 9.2): case-insensitive; prefix on text fields; '*x' ok, '*x*'
    nothing."""
    low = text.lower()
    inner = low.strip('*')
    if '*' in low and low.startswith('*') and low.endswith('*') and inner:
        return lambda value: False  # a contains wildcard selects nothing on the real API
    prefix = kind == 'text' and not low.startswith('*')  # a leading wildcard anchors the match at the end
    if '*' not in low:

        def one(item):
            if item is None:
                return False
            return str(item).lower().startswith(low) if prefix else str(item).lower() == low
    else:
        pattern = _glob(low, open_end=prefix)

        def one(item):
            return item is not None and pattern.match(str(item).lower()) is not None

    def test(value):
        if kind == 'list':
            return any(one(item) for item in value)
        return one(value)

    return test


def _case_sensitive_test(kind, text):
    """The list form as recorded (API behaviour 9.2): one element, exact and case-sensitive; * is not a wildcard."""
    if kind == 'list':
        return lambda value: text in value
    return lambda value: value is not None and str(value) == text


def _equality_test(field, kind, text, now, mode='exact'):
    """field:value for each kind of field."""
    if kind == 'num':
        target = _number(field, text)
        return lambda value: value is not None and float(value) == target
    if kind == 'bool':
        target = _bool(field, text)
        return lambda value: value is target
    if kind == 'time' and '*' not in text:
        target = parse_time(text, now)
        if target is None:
            raise FQLError("'%s' is not a valid timestamp for property '%s'" % (text, field))
        return lambda value: value is not None and abs(value - target) < 1
    if mode == 'recorded' and kind in STRING_KINDS:
        return _recorded_string_test(kind, text)
    return _string_equals('list' if kind == 'list' else 'str', text)


STRING_KINDS = ('text', 'str', 'list')


def _scalar_test(field, spec, operator, value, now, mode='exact', in_list=False):
    """Compile one scalar comparison into a function of the field's value."""
    text = value[1]
    if operator == '!~' and mode == 'recorded':
        raise FQLError("operator '!~' is not supported for property '%s'" % field)
    if operator in ('~', '!~'):
        test = _text_match(spec.kind, text)
        return test if operator == '~' else _negate(test)
    if operator in ('>', '>=', '<', '<='):
        return _range_test(field, 'str' if spec.kind == 'text' else spec.kind, operator, text, now)
    if in_list and mode == 'recorded' and spec.kind in STRING_KINDS:
        test = _case_sensitive_test(spec.kind, text)
    else:
        test = _equality_test(field, spec.kind, text, now, mode)
    return test if operator == '' else _negate(test)


def _compile(node, fields, now, mode='exact', unknown_fields='error'):
    """Turn an AST node into a predicate over records."""
    kind = node[0]
    if kind in ('and', 'or'):
        parts = [_compile(n, fields, now, mode, unknown_fields) for n in node[1]]
        return (lambda r: all(p(r) for p in parts)) if kind == 'and' else (lambda r: any(p(r) for p in parts))
    if kind == 'not':
        inner = _compile(node[1], fields, now, mode, unknown_fields)
        return lambda r: not inner(r)
    _term, field, operator, value = node
    spec = fields.get(field)
    if spec is None:
        if unknown_fields == 'nothing':
            return lambda r: False  # policies: an unknown field answers 200 with no results (API behaviour 9.3)
        raise FQLError("'%s' is an unknown property" % field)
    values = value[1] if value[0] == 'list' else [value]
    if value[0] == 'list' and operator not in ('', '!'):
        raise FQLError("operator '%s' cannot take a list for property '%s'" % (operator, field))
    in_list = value[0] == 'list'
    tests = [_scalar_test(field, spec, '' if operator == '!' else operator, v, now, mode, in_list) for v in values]
    getter = spec.getter
    if operator == '!':
        return lambda r: not any(t(getter(r)) for t in tests)
    if len(tests) == 1:
        test = tests[0]
        return lambda r: test(getter(r))
    return lambda r: any(t(getter(r)) for t in tests)


def compile_filter(text, fields, now, mode='exact', unknown_fields='error'):
    """Return a predicate for an FQL filter (None or blank = match everything); raise FQLError.

    mode: 'recorded' or 'exact' string matching (module docstring); unknown_fields: 'error' (FQLError) or
    'nothing' (the term matches no record).
    """
    if mode not in MODES:
        raise ValueError('mode must be one of %s, got %r' % (', '.join(MODES), mode))
    if text is None or not text.strip():
        return lambda r: True
    return _compile(_Parser(text).parse(), fields, now, mode, unknown_fields)


def parse_sort(text, allowed):
    """Parse 'field.asc', 'field.desc', 'field|asc' or 'field' into (field, descending); raise ValueError."""
    text = (text or '').strip()
    field, descending = text, False
    for sep in ('|', '.'):
        head, found, tail = text.rpartition(sep)
        if found and tail.lower() in ('asc', 'desc'):
            field, descending = head, tail.lower() == 'desc'
            break
    if field not in allowed:
        raise ValueError(
            "Invalid sort '%s': sort by one of %s, followed by .asc or .desc" % (text, ', '.join(sorted(allowed)))
        )
    return field, descending

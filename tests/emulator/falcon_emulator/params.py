"""Query parameter and body validation shared by the endpoint handlers (400s name the bad value)."""

from .envelope import ApiError
from .fql import FQLError, compile_filter, parse_sort


def int_arg(request, name, default, minimum, maximum=None, powered_by=None):
    """Read an integer query parameter within [minimum, maximum]."""
    raw = request.arg(name)
    if raw is None or raw == '':
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ApiError(
            400, "Invalid value for %s: '%s' is not an integer" % (name, raw), powered_by=powered_by
        ) from None
    if value < minimum or (maximum is not None and value > maximum):
        allowed = '%d..%d' % (minimum, maximum) if maximum is not None else '>= %d' % minimum
        raise ApiError(400, 'Invalid value for %s: %d; allowed: %s' % (name, value, allowed), powered_by=powered_by)
    return value


def check_filter(text, fields, now, powered_by, mode='exact', unknown_fields='error', status=400):
    """Compile an FQL filter or answer `status` (400) with the API's 'Failed to parse filter expression. [...]'."""
    try:
        return compile_filter(text, fields, now, mode, unknown_fields)
    except FQLError as err:
        message = str(err) if status == 400 else 'Internal Server Error'
        raise ApiError(status, message, powered_by=powered_by) from None


def sort_arg(request, allowed, powered_by):
    """Parse the sort parameter into (field, descending) or None; 400 on a bad field or direction."""
    text = request.arg('sort')
    if text is None or text.strip() == '':
        return None
    try:
        return parse_sort(text, allowed)
    except ValueError as err:
        raise ApiError(400, str(err), powered_by=powered_by) from None


def too_many_ids(maximum):
    """The device API's wording for too many ids in one request (Falcon-Toolkit #77, GET device details)."""
    return 'request must contain between 0 and %d ids' % maximum


def ids_body(request, maximum, powered_by):
    """Read {"ids": [...]} from a JSON body; 400 when missing, malformed or over maximum."""
    body = request.json()
    if not isinstance(body, dict) or not isinstance(body.get('ids'), list) or not body['ids']:
        raise ApiError(400, 'The request body must be a JSON object with a non-empty "ids" list', powered_by=powered_by)
    ids = body['ids']
    if not all(isinstance(i, str) for i in ids):
        raise ApiError(400, 'Every entry of "ids" must be a string', powered_by=powered_by)
    if len(ids) > maximum:
        raise ApiError(400, too_many_ids(maximum), powered_by=powered_by)
    return body, ids


def unique(items):
    """Drop duplicates, keeping order."""
    seen = set()
    return [i for i in items if not (i in seen or seen.add(i))]

"""Request/Response value types and the Falcon JSON envelope {meta, resources, errors}."""

import json
import time
import uuid

# powered_by names the backend service (API behaviour 3): device-api for hosts, csam for the token service, ...
GATEWAY = 'crowdstrike-api-gateway'


class Request:
    """One parsed HTTP request, independent of the HTTP server plumbing."""

    def __init__(self, method, path, query, headers, body, client_ip, cloud):
        self.method = method
        self.path = path
        self.query = query  # dict name -> list of str (repeated keys kept)
        self.headers = headers  # dict with lowercase names
        self.body = body
        self.client_ip = client_ip
        self.cloud = cloud
        self.trace_id = str(uuid.uuid4())
        self.started = time.time()
        self.token = None  # the TokenInfo after authentication
        self.rate = None  # (limit, remaining) for the X-Ratelimit-* headers

    def arg(self, name, default=None):
        """Return the first value of a query parameter."""
        values = self.query.get(name)
        return values[0] if values else default

    def args(self, name):
        """Return every value of an array query parameter, accepting repeated keys and comma-separated values."""
        out = []
        for value in self.query.get(name, []):
            out.extend(v.strip() for v in value.split(',') if v.strip())
        return out

    def json(self):
        """Parse the JSON body; raise ApiError 400 on malformed JSON."""
        if not self.body:
            return None
        try:
            return json.loads(self.body.decode('utf-8'))
        except (ValueError, UnicodeDecodeError) as err:
            raise ApiError(400, 'Invalid JSON in request body: %s' % err) from None


class Response:
    """Status, headers and a JSON-able body (None for an empty body)."""

    def __init__(self, status, body=None, headers=None, raw=None):
        self.status = status
        self.body = body
        self.headers = dict(headers or {})
        self.raw = raw  # bytes sent as is (faults: malformed JSON)
        self.drop = False  # close the socket without answering (faults)
        self.drip = None  # seconds between the body's bytes, sent one at a time after the headers (faults)
        self.stream = None  # a streaming.StreamBody sent in chunks instead of body (installer downloads)

    def encode(self):
        """Serialise the body: errors are pretty-printed with 1-space indent like the real API (API behaviour 6.1)."""
        if self.raw is not None:
            return self.raw
        if self.body is None:
            return b''
        if self.status >= 400:
            return json.dumps(self.body, indent=1).encode('utf-8')
        return json.dumps(self.body, separators=(',', ':')).encode('utf-8')


class ApiError(Exception):
    """Raised by handlers to answer with an error envelope."""

    def __init__(
        self, status, message, powered_by=None, errors=None, resources=None, headers=None, gateway=False, bare=False
    ):
        super().__init__(message)
        self.bare = bare or gateway  # no resources key (gateway and token-service errors)
        self.status = status
        self.message = message
        self.powered_by = powered_by
        self.errors = errors
        self.resources = resources
        self.headers = headers or {}
        self.gateway = gateway


def meta(request, powered_by, pagination=None, writes=None):
    """Build meta {query_time[, powered_by], trace_id[, pagination][, writes]} (powered_by None: left out)."""
    out = {
        'query_time': round(max(time.time() - request.started, 1e-7), 9),
        'powered_by': powered_by,
        'trace_id': request.trace_id,
    }
    if powered_by is None:
        del out['powered_by']  # policy answers carry none (J1 HAR, API behaviour 9.3)
    if pagination is not None:
        out['pagination'] = pagination
    if writes is not None:
        out['writes'] = {'resources_affected': writes}
    return out


def ok(request, resources, powered_by, status=200, pagination=None, errors=None, writes=None):
    """A success envelope."""
    return Response(
        status, {'meta': meta(request, powered_by, pagination, writes), 'resources': resources, 'errors': errors or []}
    )


def error_response(request, err, default_powered_by):
    """Turn an ApiError into its envelope; gateway errors (401/403 auth) have no resources key (API behaviour 3)."""
    body = {'meta': meta(request, err.powered_by or default_powered_by)}
    if err.gateway:
        body['meta']['query_time'] = 1.27e-07
    if not err.bare and (err.resources is not None or err.status not in (403, 429)):
        body['resources'] = err.resources if err.resources is not None else []
    body['errors'] = err.errors if err.errors is not None else [{'code': err.status, 'message': err.message}]
    return Response(err.status, body, err.headers)

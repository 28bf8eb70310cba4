"""The request dispatcher: counters, faults, auth, rate limits, scopes, routing and the envelope on every answer."""
import sys
import threading
import time
import traceback

from . import admin, auth, hosts
from .clients import DEFAULT_CLIENT
from .counters import Counters
from .envelope import GATEWAY, ApiError, Response, error_response
from .faults import FaultSet
from .ratelimit import SlidingWindow
from .tenants import Tenant

UNAUTHENTICATED = {
    ('POST', '/oauth2/token'): auth.token,
    ('POST', '/oauth2/revoke'): auth.revoke,
}


def _all_routes():
    """Every authenticated route: (method, path) -> (handler, scope)."""
    from . import cspm, policies  # pylint: disable=import-outside-toplevel
    routes = dict(hosts.ROUTES)
    routes.update(policies.ROUTES)
    routes.update(cspm.ROUTES)
    return routes


class App:
    """Shared state of all listeners (one per cloud) and the request handling."""

    def __init__(self, config):
        self.config = config
        self.counters = Counters()
        self.tokens = auth.TokenStore()
        self.faults = FaultSet()
        self.faults.set(config.faults)
        self.api_window = SlidingWindow()
        self.token_window = SlidingWindow()
        self.urls = {}
        self.routes = _all_routes()
        self.paths = {path for _method, path in list(self.routes) + list(UNAUTHENTICATED)}
        self._tenants = {}
        self._lock = threading.Lock()

    def url_for(self, cloud):
        """Base URL of a cloud's listener."""
        return self.urls[cloud]

    def tenant(self, cid=None):
        """The Tenant of a CID, seeded on first use."""
        cid = cid or DEFAULT_CLIENT.cid
        with self._lock:
            tenant = self._tenants.get(cid)
            if tenant is None:
                tenant = self._tenants[cid] = Tenant(cid, self.config.seed, self.config.hosts)
            return tenant

    def reset_state(self):
        """Forget all tenant data (it is re-seeded on next use) and scroll cursors."""
        with self._lock:
            self._tenants = {}

    def check_token_rate(self, request):
        """Per client IP limit on /oauth2/token (300/min recorded, NOTES 9.5)."""
        limit = self.config.token_rate_limit
        allowed, remaining, retry = self.token_window.hit(request.client_ip, limit)
        request.rate = (limit or 300, remaining if remaining is not None else 299)
        if not allowed:
            raise ApiError(429, 'API rate limit exceeded.', powered_by=GATEWAY, gateway=True,
                           headers={'X-Ratelimit-Retryafter': str(retry), 'X-Ratelimit-Remaining': '0'})

    def _check_api_rate(self, request, cid):
        """Per CID limit on authenticated calls (6000/min observed, NOTES 2.3)."""
        limit = self.config.api_rate_limit
        allowed, remaining, retry = self.api_window.hit(cid, limit)
        request.rate = (limit or 6000, remaining if remaining is not None else (limit or 6000) - 1)
        if not allowed:
            raise ApiError(429, 'API rate limit exceeded.', powered_by=GATEWAY, gateway=True,
                           headers={'X-Ratelimit-Retryafter': str(retry), 'X-Ratelimit-Remaining': '0'})

    def _route(self, request):
        """Authenticate, rate-limit, check scope and call the endpoint handler."""
        key = (request.method, request.path)
        if key in UNAUTHENTICATED:
            return UNAUTHENTICATED[key](self, request)
        route = self.routes.get(key)
        if route is None:
            if request.path in self.paths:
                raise ApiError(405, 'Method Not Allowed', powered_by=GATEWAY, gateway=True)
            raise ApiError(404, 'Not Found', powered_by=GATEWAY, gateway=True)
        handler, scope = route
        info = auth.authenticate(self, request)
        self._check_api_rate(request, info.cid)
        auth.require_scope(request, scope)
        tenant = self.tenant(info.cid)
        with tenant.lock:
            tenant.settle(self.config.containment_delay)
            return handler(self, request, tenant)

    def _fault(self, request, fault):
        """Answer with an injected terminal fault."""
        kind = fault['type']
        if kind == 'drop':
            response = Response(0)
            response.drop = True
            return response
        if kind == 'rate_limit':
            retry = int(time.time() + fault['retry_after'] + 0.999)
            raise ApiError(429, 'API rate limit exceeded.', powered_by=GATEWAY, gateway=True,
                           headers={'X-Ratelimit-Retryafter': str(retry), 'X-Ratelimit-Remaining': '0'})
        raise ApiError(fault['status'], 'Internal Server Error' if fault['status'] == 500 else 'Service Unavailable (injected fault)',
                       powered_by=GATEWAY)

    def handle(self, request):
        """Answer one request; never raises and never leaks a traceback to the client."""
        if request.path.startswith('/_emulator/'):
            return admin.handle(self, request)
        self.counters.call(request.method, request.path)
        malformed = False
        drip = None
        try:
            try:
                sleep, fault = self.faults.take(request.method, request.path)
                if sleep:
                    time.sleep(sleep)
                if fault and fault['type'] == 'malformed':
                    malformed = True
                elif fault and fault['type'] == 'drip':
                    drip = fault['interval']
                elif fault:
                    response = self._fault(request, fault)
                    if response.drop:
                        return response
                response = self._route(request)
            except ApiError as err:
                response = error_response(request, err, GATEWAY)
        except Exception:  # pylint: disable=broad-except
            traceback.print_exc(file=sys.stderr)
            response = error_response(request, ApiError(500, 'Internal Server Error (trace id %s)' % request.trace_id), GATEWAY)
        self._decorate(request, response)
        if malformed:
            data = response.encode() or b'{"meta":'
            response.raw = data[:max(1, len(data) // 2)]
        response.drip = drip
        return response

    def _decorate(self, request, response):
        """Headers every answer carries: X-Cs-Traceid and the rate limit pair."""
        response.headers.setdefault('X-Cs-Traceid', request.trace_id)
        limit, remaining = request.rate or (15, 14)
        response.headers.setdefault('X-Ratelimit-Limit', str(limit))
        response.headers.setdefault('X-Ratelimit-Remaining', str(max(remaining, 0)))

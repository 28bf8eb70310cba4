"""The request dispatcher: counters, faults, auth, rate limits, scopes, routing and the envelope on every answer."""

import sys
import threading
import time
import traceback

from . import admin, auth, hosts
from .clients import DEFAULT_CLIENT
from .cooldown import Cooldowns
from .counters import Counters
from .envelope import GATEWAY, ApiError, Response, error_response
from .faults import FaultSet
from .ratelimit import SlidingWindow
from .tenants import Tenant

UNAUTHENTICATED = {
    ('POST', '/oauth2/token'): auth.token,
    ('POST', '/oauth2/revoke'): auth.revoke,
}


def too_many_requests(retry):
    """The gateway's 429: X-Ratelimit-Retryafter in epoch seconds (API behaviour 2.2), body message as recorded
    (API behaviour 9.5)."""
    return ApiError(
        429,
        'API rate limit exceeded.',
        powered_by=GATEWAY,
        gateway=True,
        headers={'X-Ratelimit-Retryafter': str(retry), 'X-Ratelimit-Remaining': '0'},
    )


def _all_routes():
    """Every authenticated route: (method, path) -> (handler, scope)."""
    from . import (  # pylint: disable=import-outside-toplevel
        alerts,
        cspm,
        host_groups,
        installers,
        mssp,
        policies,
        sensor_builds,
        sensor_kernels,
        uninstall_tokens,
    )

    routes = dict(hosts.ROUTES)
    routes.update(alerts.ROUTES)
    routes.update(policies.ROUTES)
    routes.update(cspm.ROUTES)
    routes.update(host_groups.ROUTES)
    routes.update(mssp.ROUTES)
    routes.update(installers.ROUTES)
    routes.update(uninstall_tokens.ROUTES)
    routes.update(sensor_builds.ROUTES)
    routes.update(sensor_kernels.ROUTES)
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
        self.cooldowns = Cooldowns()
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
        """Forget all tenant data (it is re-seeded on next use), scroll cursors and 429 cooldowns."""
        with self._lock:
            self._tenants = {}
        self.cooldowns.clear()

    def _rate_limited(self, key, retry):
        """Remember a 429 for key (see cooldown.py) and raise it."""
        self.cooldowns.block(key, retry, self.config.rate_limit_retry_grace)
        raise too_many_requests(retry)

    def _check_cooldown(self, key, limit):
        """429 again while key is in its post-429 cooldown (only while a limit is set)."""
        retry = self.cooldowns.blocked(key, self.config.rate_limit_retry_grace) if limit is not None else None
        if retry is not None:
            raise too_many_requests(retry)

    def check_token_rate(self, request):
        """Per client IP limit on /oauth2/token (300/min recorded, API behaviour 9.5)."""
        limit = self.config.token_rate_limit
        request.rate = (limit or 300, 0)
        self._check_cooldown(('token', request.client_ip), limit)
        allowed, remaining, retry = self.token_window.hit(request.client_ip, limit)
        request.rate = (limit or 300, remaining if remaining is not None else 299)
        if not allowed:
            self._rate_limited(('token', request.client_ip), retry)

    def _check_api_rate(self, request, cid):
        """Per CID limit on authenticated calls (6000/min observed, API behaviour 2.3)."""
        limit = self.config.api_rate_limit
        request.rate = (limit or 6000, 0)
        self._check_cooldown(('api', cid), limit)
        allowed, remaining, retry = self.api_window.hit(cid, limit)
        request.rate = (limit or 6000, remaining if remaining is not None else (limit or 6000) - 1)
        if not allowed:
            self._rate_limited(('api', cid), retry)

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
            self._rate_limited(('fault', fault['path'], fault['method']), retry)
        raise ApiError(
            fault['status'],
            'Internal Server Error' if fault['status'] == 500 else 'Service Unavailable (injected fault)',
            powered_by=GATEWAY,
        )

    def handle(self, request):
        """Answer one request; never raises and never leaks a traceback to the client."""
        if request.path.startswith('/_emulator/'):
            return admin.handle(self, request)
        self.counters.call(request.method, request.path)
        malformed = False
        drip = None
        try:
            try:
                retry = self.cooldowns.blocked_fault(request.path, request.method, self.config.rate_limit_retry_grace)
                if retry is not None:  # an injected 429 storm's cooldown (cooldown.py)
                    raise too_many_requests(retry)
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
            response = error_response(
                request, ApiError(500, 'Internal Server Error (trace id %s)' % request.trace_id), GATEWAY
            )
        self._decorate(request, response)
        if malformed and response.stream is not None:
            response.stream = response.stream.truncated()  # a download broken off half way
        elif malformed:
            data = response.encode() or b'{"meta":'
            response.raw = data[: max(1, len(data) // 2)]
        response.drip = drip
        return response

    def _decorate(self, request, response):
        """Headers every answer carries: X-Cs-Traceid, the rate limit pair and X-Cs-Region (API behaviour 9.5)."""
        response.headers.setdefault('X-Cs-Traceid', request.trace_id)
        for name, value in auth.region_header(self, request, request.cloud).items():
            response.headers.setdefault(name, value)  # a 308 keeps the home cloud it names
        limit, remaining = request.rate or (15, 14)
        response.headers.setdefault('X-Ratelimit-Limit', str(limit))
        response.headers.setdefault('X-Ratelimit-Remaining', str(max(remaining, 0)))

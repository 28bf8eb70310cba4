# Copyright: secops.falcon contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""secops.falcon.falcon_alerts: an ansible-rulebook event source that polls CrowdStrike Falcon alerts."""

import asyncio
import logging
import os
import sys
import time

DOCUMENTATION = r"""
---
short_description: Poll CrowdStrike Falcon alerts (Alerts API) and send one event per new alert version.
description:
  - Polls C(POST /alerts/combined/alerts/v1) every O(interval) seconds with a server-side FQL filter (O(filter) and
    O(min_severity)), sorted on C(created_timestamp), which never changes, so paging cannot skip an alert.
  - Each alert version, that is a (C(composite_id), C(updated_timestamp)) pair, is sent at least once. The watermark
    (the newest C(updated_timestamp) sent) and the versions seen near it are kept in O(state_file), written atomically
    with mode 0600; a state file (or its directory) that another user owns or may write to is refused, and a
    watermark more than 5 minutes ahead of the local clock is brought back to now with a warning.
  - Without a state file (a first start, or an EDA controller activation restarted without its disk) the source
    sends the alerts updated in the last O(initial_lookback) seconds; with O(initial_lookback=0) it sends nothing for
    existing alerts and the newest matching alert becomes the watermark.
  - Every poll asks again for the O(lookback) seconds before the watermark, so an alert the API makes visible a little
    late is still sent (and one already sent is not sent twice).
  - Lost connections, rate limits (429) and server errors (5xx) are retried for ever, waiting longer each time up to
    O(max_backoff) seconds. Bad arguments, refused credentials, a missing C(alerts:read) scope and a filter the API
    cannot parse stop the source with a message that names the problem.
  - "Each event is C({summary: {composite_id, severity, severity_name, status, product, tactic_id, technique_id,
    pattern_id, created_timestamp, updated_timestamp, cid, agent_id, device_id, within_action_limit}, meta: {uuid}}).
    C(meta.uuid) is a UUID derived from the composite id and updated time: the same alert version always has the same
    id."
  - "Fleet-wide cap: an event with a C(device_id) carries C(within_action_limit). It is V(true) for the first
    O(action_limit) distinct hosts of a sliding O(action_window) (and for later alerts of those hosts), and V(false)
    for any other host, with a warning in the log. The shipped rulebooks act only on V(true) and only warn on V(false),
    so a wave of alerts (a bad detection rule, a compromised console account) cannot contain the whole fleet. The
    hosts admitted are kept in O(state_file), so a restart does not reset the count. Every event with a host counts,
    whatever a rule does with it: give a O(filter) that selects only the alerts you act on (the shipped rulebooks use
    C(status:'new') and O(min_severity))."
  - "Reconcile events: at start and then every O(reconcile_interval) seconds the source sends
    C({reconcile: {reason: start|interval, time}, meta: {uuid}}), with no alert in it. The shipped rulebooks answer it
    by running the response playbook with C(falcon_reconcile=true), which finishes every alert a killed run left half
    done (still C(new), with the C(falcon_pending_tag) tag the response sets before it contains a host), so the
    response, not only the event, is at least once."
  - The event holds no text from the alert (no hostname, names, descriptions, tags or command lines) and not the
    alert record, because ansible-rulebook passes the event to playbooks and job templates as extra vars, which ansible-core
    templates, so such text could run as a template. Each value is checked against a strict pattern or fixed set
    (ids, hexadecimal device ids, numbers, ISO 8601 times) and left out if it does not match. Read the alert's text
    with M(secops.falcon.falcon_alert_info) and C(summary.composite_id); module results are never templated.
  - Runs on the collection's shared core, as its modules do, so the token is cached (encrypted, shared with
    playbooks of the same API client) and renewed before it expires, and O(cloud), O(proxy) and TLS options work alike.
  - Needs the Python libraries requests and ansible-core (for the collection's core) where ansible-rulebook runs.
options:
  filter:
    description:
      - An FQL filter on alert fields, ANDed with the others, for example C(status:'new') or
        C(product:'epp'+device.hostname:'web-*').
    type: str
  min_severity:
    description:
      - Only alerts with C(severity) at or above this value (0 to 100; the API names 80 and above Critical).
    type: int
  interval:
    description: Seconds between two polls (1 to 86400).
    type: int
    default: 30
  lookback:
    description:
      - Seconds before the watermark that every poll reads again (0 to 86400), for alerts indexed late.
    type: int
    default: 120
  initial_lookback:
    description:
      - Without a state file, send the alerts updated in these last seconds (0 to 604800, by the local clock; the
        O(lookback) window before them is read too). V(0) sends nothing for existing alerts.
    type: int
    default: 3600
  state_file:
    description:
      - Where the watermark is kept. Its directory is created with mode 0700 if missing.
      - Default C(~/.cache/secops.falcon/eda/falcon_alerts-<digest>.json), one file per API client, base URL, filter
        and min_severity (C($XDG_CACHE_HOME) is honoured). In EDA controller put it on persistent storage.
    type: str
  max_backoff:
    description: Longest wait, in seconds, between two tries after transient failures (1 to 3600).
    type: int
    default: 300
  action_limit:
    description:
      - The fleet-wide cap, 0 to 10000 hosts per O(action_window) whose events carry C(within_action_limit=true).
        V(0) admits no host (every event is only warned about).
    type: int
    default: 5
  action_window:
    description: The cap's sliding window, in seconds (60 to 604800).
    type: int
    default: 3600
  reconcile_interval:
    description:
      - Seconds between two reconcile events (60 to 86400); one is also sent at start. V(0) sends none.
    type: int
    default: 900
  client_id:
    description: The API client id. Default from C(FALCON_CLIENT_ID).
    type: str
  client_secret:
    description: The API client secret. Default from C(FALCON_CLIENT_SECRET). Never logged.
    type: str
  member_cid:
    description: For MSSP parents, the child CID to act on. Default from C(FALCON_MEMBER_CID).
    type: str
  cloud:
    description:
      - us-1, us-2, us-3, eu-1, us-gov-1, us-gov-2 or autodiscover (follows the token endpoint's redirect).
        Default from C(FALCON_CLOUD), else autodiscover.
    type: str
  base_url:
    description:
      - The API URL, instead of O(cloud) (https, or plain http to loopback only, for the bundled emulator).
        Default from C(FALCON_BASE_URL).
    type: str
  validate_certs:
    description: Verify the API's TLS certificate.
    type: bool
    default: true
  ca_path:
    description: A CA bundle file or directory to verify the API's certificate with.
    type: str
  proxy:
    description:
      - An http(s) proxy URL for every request. Wins over the proxy environment variables and O(use_proxy).
    type: str
  use_proxy:
    description:
      - Use the proxy named by E(HTTPS_PROXY), E(HTTP_PROXY) or E(ALL_PROXY) (upper or lower case), except for the
        hosts E(NO_PROXY) lists. V(false) ignores those variables; O(proxy) is used either way.
    type: bool
    default: true
  timeout:
    description: Seconds one HTTP request may take (1 to 600).
    type: int
    default: 30
  retries:
    description: Retries of one request inside the HTTP client (0 to 10), before the source's own backoff.
    type: int
    default: 3
  user_agent:
    description: Text appended to the User-Agent.
    type: str
  token_cache:
    description: Keep the token in the encrypted on-disk cache shared with the collection's modules.
    type: bool
    default: true
  token_cache_dir:
    description: Directory of the token cache. Default from C(FALCON_TOKEN_CACHE_DIR).
    type: str
notes:
  - Needs the API scope C(alerts:read). The rulebook and playbook shipped with the collection also need
    C(alerts:write), C(devices:read) and C(devices:write).
"""

EXAMPLES = r"""
- secops.falcon.falcon_alerts:
    filter: "status:'new'"
    min_severity: 90
    interval: 30
    state_file: /var/lib/eda/falcon_alerts.json
    initial_lookback: 7200

- secops.falcon.falcon_alerts:
    cloud: eu-1
    filter: "product:'epp'+status:'new'"
    min_severity: 70
"""

LOG = logging.getLogger('secops.falcon.falcon_alerts')


def _core():
    """Import the collection's core: already importable (collection loader), or from the tree this file is in.

    ansible-rulebook loads a source plugin from its file path, so the ansible_collections root above it is
    put on sys.path (last, so nothing installed is shadowed).
    """
    try:
        from ansible_collections.secops.falcon.plugins.module_utils import _action_limit, _alert_stream, _http, _options
    except ImportError:
        here = os.path.dirname(os.path.abspath(__file__))
        root = here
        while os.path.basename(root) != 'ansible_collections':
            parent = os.path.dirname(root)
            if parent == root:
                raise
            root = parent
        sys.path.append(os.path.dirname(root))
        try:
            from ansible_collections.secops.falcon.plugins.module_utils import (
                _action_limit,
                _alert_stream,
                _http,
                _options,
            )
        except ImportError as exc:
            raise ImportError(
                'secops.falcon.falcon_alerts needs ansible-core and requests beside ansible-rulebook '
                '(pip install -r requirements-eda.txt from the collection): %s' % exc
            ) from None
    return _alert_stream, _http, _options, _action_limit


async def _pause(seconds):
    """Wait between polls and after failures (without blocking the event loop; unit tests record the waits)."""
    await asyncio.sleep(seconds)


class _Source:
    """One running source: the poller, its state, and the retry loop around every blocking call."""

    def __init__(self, queue, args):
        self.queue = queue
        self.args = args
        self.stream, self.http, self.options, action_limit = _core()
        self.action_limit = action_limit
        self.config = None
        self.client = None
        self.poller = None
        self.limit = None
        self.next_reconcile = None

    def configure(self):
        """Validate the arguments, open the state file, build the client (blocking; run in a thread)."""
        stream = self.stream
        settings = self.options.ConnectionSettings.from_options(stream.connection_options(self.args))
        if not settings.has_credentials:
            raise stream.FalconConfigError(
                'client_id and client_secret are required (the source renews its token); set '
                'them as source arguments or FALCON_CLIENT_ID/FALCON_CLIENT_SECRET.'
            )
        self.config = stream.StreamConfig.from_args(self.args, settings)
        state = stream.StreamState.load(self.config.state_file)
        was = state.clamp()
        if was is not None:
            LOG.warning(
                'falcon_alerts: the watermark %s in %s is in the future (more than %d s ahead of this clock), so no '
                'alert would be sent: starting from now, %s, instead.',
                was,
                self.config.state_file,
                stream.MAX_CLOCK_SKEW,
                state.watermark,
            )
        self.client = self.http.FalconClient(settings)
        for warning in self.client.warnings:
            LOG.warning(warning)
        self.poller = stream.AlertPoller(self.client, self.config, state)
        self.limit = self.action_limit.ActionLimit(self.config.action_limit, self.config.action_window)

    async def call(self, func, *args):
        """Run a blocking call in a thread; wait out transient failures for ever, stop on any other."""
        failures = 0
        while True:
            try:
                return await asyncio.to_thread(func, *args)
            except self.stream.FalconError as err:
                if not self.stream.is_transient(err):
                    raise self.stream.AlertSourceError(self.stream.explain_fatal(err, self.config)) from None
                failures += 1
                wait = self.stream.backoff_wait(failures, self.config.interval, self.config.max_backoff)
                LOG.warning('Falcon alerts poll failed (%d in a row): %s; trying again in %.0f s', failures, err, wait)
                await _pause(wait)

    async def poll(self):
        """Read every page of one poll, sending each new alert version; the state is saved after every page."""
        stream, poller, state = self.stream, self.poller, self.poller.state
        since = poller.since()
        after, newest, sent, restarts = None, None, 0, 0
        try:
            while True:
                try:
                    alerts, after = await self.call(poller.fetch_page, since, after)
                except stream.AlertSourceError:
                    # An expired `after` token is refused with 400 mid-way: start the poll again (seen ones are skipped).
                    if after is None or restarts >= 3:
                        raise
                    restarts += 1
                    after = None
                    continue
                for alert in poller.fresh(alerts):
                    await self.queue.put(self.event_of(alert))
                    state.remember(alert['composite_id'], alert['updated_timestamp'])
                    sent += 1
                newest = stream.newest_time(alerts, newest)
                if after is None:
                    break
                await self.call(state.save)
        except BaseException:
            # Stopped mid-poll (rulebook shutdown, cancellation, a fatal error): keep what was handed on, so the
            # restart neither repeats nor skips it.
            self.save_now()
            raise
        state.advance(newest, self.config.lookback)
        await self.call(state.save)
        return sent

    def event_of(self, alert):
        """The event of one alert version, with the fleet-wide cap's answer for its host."""
        event = self.stream.make_event(alert)
        device_id = event['summary'].get('device_id')
        if device_id is None:
            return event  # no host: nothing a rule could contain
        admitted = self.poller.state.admitted
        within = self.limit.admit(admitted, device_id, time.time())
        event['summary']['within_action_limit'] = within
        if not within:
            LOG.warning(
                'falcon_alerts: alert %s of host %s is beyond the fleet-wide cap (%d hosts per %d s, action_limit and '
                'action_window, reached): sent with within_action_limit false, so the shipped rulebooks act on no '
                'further host until the window moves on.',
                event['summary'].get('composite_id'),
                device_id,
                self.limit.limit,
                self.limit.window,
            )
        return event

    async def reconcile_if_due(self, now):
        """Send a reconcile event at start and then every reconcile_interval seconds (never with 0)."""
        interval = self.config.reconcile_interval
        if not interval or (self.next_reconcile is not None and now < self.next_reconcile):
            return
        reason = 'start' if self.next_reconcile is None else 'interval'
        self.next_reconcile = now + interval
        await self.queue.put(self.stream.make_reconcile_event(reason))
        LOG.info('falcon_alerts sent a reconcile event (%s); the next in %d s', reason, interval)

    def save_now(self):
        """Save the state in the event loop's thread (only on the way out); a failure is logged, not raised."""
        try:
            self.poller.state.save()
        except self.stream.FalconError as err:
            LOG.error('falcon_alerts could not save its state: %s', err)

    async def start_without_state(self):
        """No state file (first start, or an activation restarted without its disk): set the starting watermark."""
        marked = await self.call(self.poller.baseline)
        if self.config.initial_lookback:
            LOG.info(
                'falcon_alerts has no state in %s: sending the alerts updated in the last %d s (initial_lookback), '
                'from the watermark %s',
                self.config.state_file,
                self.config.initial_lookback,
                self.poller.state.watermark,
            )
        else:
            LOG.info(
                'falcon_alerts has no state in %s: %d existing alert(s) marked as seen; starts from the watermark %s',
                self.config.state_file,
                marked,
                self.poller.state.watermark,
            )

    async def run(self):
        """Configure, baseline on a first start, then poll every interval until cancelled."""
        try:
            await asyncio.to_thread(self.configure)
        except self.stream.FalconError as err:
            raise self.stream.AlertSourceError('secops.falcon.falcon_alerts: %s' % err) from None
        try:
            if self.poller.state.exists:
                LOG.info(
                    'falcon_alerts starts from the watermark %s (state in %s)',
                    self.poller.state.watermark,
                    self.config.state_file,
                )
            else:
                await self.start_without_state()
            while True:
                await self.reconcile_if_due(time.monotonic())
                sent = await self.poll()
                if sent:
                    LOG.info('falcon_alerts sent %d event(s); watermark %s', sent, self.poller.state.watermark)
                await _pause(self.config.interval)
        finally:
            self.client.close()


async def main(queue, args):
    """ansible-rulebook entry point: put one event per new Falcon alert version on queue, for ever."""
    await _Source(queue, dict(args or {})).run()


if __name__ == '__main__':
    # Run by hand: python falcon_alerts.py prints the events of FALCON_* credentials (filter from FALCON_ALERTS_FILTER).

    class _PrintQueue:
        """Prints events instead of queueing them."""

        async def put(self, event):
            """Print one event."""
            print(event)  # noqa: T201

    logging.basicConfig(level=logging.INFO)
    asyncio.run(main(_PrintQueue(), {'filter': os.environ.get('FALCON_ALERTS_FILTER'), 'interval': 10}))

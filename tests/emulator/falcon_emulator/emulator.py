"""The Emulator object tests use: start one listener per cloud, read counters, change settings, stop."""

import dataclasses
import shutil
import threading

from .admin import (
    add_alert,
    add_installer,
    alert_comments,
    alert_records,
    apply_config,
    device_records,
    installer_records,
    uninstall_token,
    uninstall_token_audit,
)
from .app import App
from .config import CLOUDS, EmulatorConfig
from .server import start_listener
from .tls import make_certificates, server_context


class Emulator:
    """A running (after start()) local Falcon API: one HTTP(S) listener per cloud sharing one state."""

    def __init__(self, config=None, **overrides):
        config = dataclasses.replace(config or EmulatorConfig(), **overrides)
        self.config = config.validate()
        self.app = App(self.config)
        self.ca_path = None
        self._tls_dir = None
        self._listeners = []

    def start(self):
        """Open the listeners (ports: config.port + cloud index, or ephemeral when 0); return self."""
        context = None
        if self.config.tls:
            self._tls_dir, paths = make_certificates()
            self.ca_path = paths['ca.pem']
            context = server_context(paths)
        try:
            for index, cloud in enumerate(CLOUDS):
                port = self.config.port + index if self.config.port else 0
                server, thread, url = start_listener(self.app, cloud, self.config.bind, port, context)
                self._listeners.append((server, thread))
                self.app.urls[cloud] = url
        except OSError:
            self.stop()
            raise
        self.app.tenant()  # seed the default CID now, so the first request is not slow
        return self

    def stop(self):
        """Close every listener and remove the TLS files."""
        # Shut the listeners down in parallel: each shutdown() waits up to one poll interval.
        stoppers = [threading.Thread(target=server.shutdown) for server, _thread in self._listeners]
        for stopper in stoppers:
            stopper.start()
        for stopper in stoppers:
            stopper.join(timeout=5)
        for server, thread in self._listeners:
            server.server_close()
            server.close_connections()
            thread.join(timeout=5)
        self._listeners = []
        if self._tls_dir:
            shutil.rmtree(self._tls_dir, ignore_errors=True)
            self._tls_dir = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()

    @property
    def url(self):
        """Base URL of us-1 (no trailing slash)."""
        return self.app.urls['us-1']

    @property
    def urls(self):
        """{cloud: base URL} of every listener."""
        return dict(self.app.urls)

    def url_for(self, cloud):
        """Base URL of a cloud's listener (us-1, us-2, us-3, eu-1, us-gov-1, us-gov-2)."""
        if cloud not in self.app.urls:
            raise ValueError('unknown cloud %r; served: %s' % (cloud, ', '.join(CLOUDS)))
        return self.app.urls[cloud]

    def counters(self):
        """Token requests per client id, revocations and calls per 'METHOD /path'."""
        return self.app.counters.snapshot()

    def reset_counters(self):
        """Zero the counters."""
        self.app.counters.reset()

    def reset_state(self):
        """Forget all changes (containment, hidden hosts ...): data is re-seeded on next use."""
        self.app.reset_state()

    def configure(self, **values):
        """Change run-time settings: containment_delay, token_lifetime, faults, token_rate_limit, api_rate_limit, ..."""
        apply_config(self.app, values)

    def devices(self, cid=None):
        """Current device records (list of dicts) of a CID (default: DEFAULT_CLIENT's CID)."""
        return device_records(self.app, cid)

    def alerts(self, cid=None):
        """Current alert records (list of dicts) of a CID (default: DEFAULT_CLIENT's CID), in creation order.

        Each record is what the API returns under the current settings: only the spec's fields unless
        alert_extra_fields (and comments only with alert_comments_field).
        """
        return alert_records(self.app, cid)

    def alert_comments(self, cid=None):
        """{composite id: [comment text]} that append_comment wrote (kept beside the records, as the API does)."""
        return alert_comments(self.app, cid)

    def add_alert(self, cid=None, device_id=None, severity=90, **fields):
        """Inject a new alert (status new) on a host (default: the CID's first host); return its record as alerts()
        shows it."""
        return add_alert(self.app, cid, device_id, severity, **fields)

    def installers(self, cid=None):
        """The sensor installer records of a CID: the seeded ones newest version first, then injected ones."""
        return installer_records(self.app, cid)

    def add_installer(self, size, cid=None, **fields):
        """Register an installer of `size` bytes (e.g. 200 MB for a benchmark): its bytes are generated and streamed
        in chunks when downloaded, never held in memory. fields: name, os, os_version, platform, version,
        architectures, release_date, description. Returns its record (sha256 = sha256 of the bytes)."""
        return add_installer(self.app, cid, size, **fields)

    def uninstall_token_audit(self, cid=None):
        """Every maintenance token reveal and bulk rotation of a CID, oldest first: dicts with action ('reveal' or
        'increment'), device_id, audit_message (None when not sent), client_id and timestamp."""
        return uninstall_token_audit(self.app, cid)

    def uninstall_token(self, device_id, cid=None):
        """The current maintenance token of a device, or of the bulk token ('MAINTENANCE')."""
        return uninstall_token(self.app, device_id, cid)

    def revoke_all_tokens(self):
        """Revoke every issued token (a token revoked mid-play)."""
        self.app.tokens.revoke_all()

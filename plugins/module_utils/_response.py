# Copyright: secops.falcon contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""FalconResponse: one API answer with the envelope (meta, resources, errors) read defensively. Internal use only."""

import json

from ansible_collections.secops.falcon.plugins.module_utils._errors import scrub

# How much of a non-JSON body an error message quotes.
SNIPPET = 200


class FalconResponse:
    """One answer: status, body (dict; {} when empty), headers, and the envelope's parts (never a KeyError)."""

    def __init__(self, status, body=None, headers=None, text=None, url=None, attempts=1):
        self.status = status
        self.body = body if isinstance(body, dict) else {}
        self.headers = headers if headers is not None else {}
        # The raw text when the body was not a JSON object (for error messages only).
        self.text = text
        self.url = url
        self.attempts = attempts
        # Seconds the client waited between the attempts of this request, and the wait it would have needed next
        # (None when it did not want to retry): for error messages about rate limits.
        self.waited = 0.0
        self.next_wait = None

    @classmethod
    def from_requests(cls, response, attempts=1):
        """Build from a requests.Response; a body that is not a JSON object keeps its text for the error message."""
        content = response.content or b''
        body, text = {}, None
        if content.strip():
            try:
                parsed = json.loads(content.decode('utf-8', 'replace'))
            except ValueError:
                parsed = None
            if isinstance(parsed, dict):
                body = parsed
            else:
                text = content.decode('utf-8', 'replace')
        return cls(response.status_code, body, response.headers, text=text, url=response.url, attempts=attempts)

    @property
    def is_json(self):
        """False when the body held something other than a JSON object."""
        return self.text is None

    @property
    def content_type(self):
        """The Content-Type header, or 'no Content-Type'."""
        return self.headers.get('Content-Type') or 'no Content-Type'

    def snippet(self):
        """A short, scrubbed, one-line excerpt of a non-JSON body."""
        text = ' '.join((self.text or '').split())
        if len(text) > SNIPPET:
            text = text[:SNIPPET] + '...'
        return scrub(text)

    @property
    def meta(self):
        """The meta object ({} when missing or null)."""
        meta = self.body.get('meta')
        return meta if isinstance(meta, dict) else {}

    @property
    def pagination(self):
        """meta.pagination ({} when missing)."""
        pagination = self.meta.get('pagination')
        return pagination if isinstance(pagination, dict) else {}

    @property
    def resources(self):
        """resources as a list ([] when the key is missing or null: gateway errors omit it)."""
        resources = self.body.get('resources')
        if resources is None:
            return []
        return resources if isinstance(resources, list) else [resources]

    @property
    def errors(self):
        """errors as a list of dicts ([] when missing or null)."""
        errors = self.body.get('errors')
        if not errors:
            return []
        if not isinstance(errors, list):
            errors = [errors]
        return [e if isinstance(e, dict) else {'message': str(e)} for e in errors]

    @property
    def trace_id(self):
        """X-Cs-Traceid, or meta.trace_id."""
        return self.headers.get('X-Cs-Traceid') or self.meta.get('trace_id')

    def __repr__(self):
        return 'FalconResponse(status=%r, url=%r)' % (self.status, self.url)

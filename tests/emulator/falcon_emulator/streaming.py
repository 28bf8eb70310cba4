"""A response body sent in chunks (sensor installer downloads): never the whole file in memory.

server.py writes a Response whose `stream` is set with this object's content type and length, then the chunks as
chunks() yields them. A `malformed` fault cuts the body half way (truncated()): the client sees fewer bytes than
Content-Length announced and a closed connection, as a download broken off mid-way looks.
"""

CHUNK_SIZE = 64 * 1024


class StreamBody:
    """length bytes from a chunk factory; content_type names them (application/octet-stream for installers)."""

    def __init__(self, length, make_chunks, content_type='application/octet-stream', cut=None):
        self.length = length
        self.content_type = content_type
        self._make_chunks = make_chunks  # a callable returning a fresh iterator of bytes
        self.cut = cut  # stop after this many bytes (a truncated body), or None

    def chunks(self):
        """The body's bytes, chunk by chunk (at most `cut` bytes when truncated)."""
        left = self.length if self.cut is None else self.cut
        for chunk in self._make_chunks():
            if left <= 0:
                return
            if len(chunk) > left:
                chunk = chunk[:left]
            left -= len(chunk)
            yield chunk

    def truncated(self):
        """The same body cut at half its length (the `malformed` fault)."""
        return StreamBody(self.length, self._make_chunks, self.content_type, cut=max(1, self.length // 2))

"""HTTP plumbing: one ThreadingHTTPServer per cloud, parsing requests and writing the App's responses."""

import http.server
import socket
import ssl
import threading
import time
import urllib.parse

from .envelope import Request, Response

MAX_BODY = 64 * 1024 * 1024


class FalconHandler(http.server.BaseHTTPRequestHandler):
    """Turns HTTP/1.1 requests into Request objects for the App and writes its Response."""

    protocol_version = 'HTTP/1.1'  # keep-alive, as the real API (clients reuse connections)
    # http.server writes headers and body separately; with Nagle's algorithm a kept-alive connection then waits for
    # the client's delayed ACK (~40 ms a request). The real API (nginx, tcp_nodelay) has no such stall.
    disable_nagle_algorithm = True
    server_version = 'nginx'
    sys_version = ''

    def version_string(self):
        """The Server header the real API sends."""
        return 'nginx'

    def log_message(self, format, *args):  # pylint: disable=redefined-builtin
        """Stay quiet: tests read counters, not logs."""

    def _read_body(self):
        """Read the request body (Content-Length or chunked)."""
        if 'chunked' in self.headers.get('Transfer-Encoding', '').lower():
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b';')[0].strip() or b'0', 16)
                if size == 0:
                    self.rfile.readline()
                    break
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            return b''.join(chunks)
        length = int(self.headers.get('Content-Length') or 0)
        if length < 0 or length > MAX_BODY:
            raise ValueError('bad Content-Length')
        return self.rfile.read(length) if length else b''

    def _dispatch(self):
        """Handle one request of any method."""
        try:
            body = self._read_body()
        except (ValueError, OSError):
            self.close_connection = True
            self.send_error(400, 'Bad request body')
            return
        parsed = urllib.parse.urlsplit(self.path)
        query = urllib.parse.parse_qs(parsed.query, keep_blank_values=True)
        headers = {k.lower(): v for k, v in self.headers.items()}
        request = Request(
            self.command, parsed.path or '/', query, headers, body, self.client_address[0], self.server.cloud
        )
        stream = None
        try:
            response = self.server.app.handle(request)
            stream = response.stream if response.raw is None else None
            payload = b'' if response.drop or stream is not None else response.encode()
        except Exception:  # pylint: disable=broad-except
            # Last resort: App.handle already turns handler errors into envelopes; never answer with a traceback.
            response = Response(
                500,
                raw=b'{"meta":{"query_time":0,"powered_by":"crowdstrike-api-gateway","trace_id":"%s"},'
                b'"errors":[{"code":500,"message":"Internal Server Error"}]}' % request.trace_id.encode(),
                headers={'X-Cs-Traceid': request.trace_id},
            )
            payload = response.raw
        if response.drop:
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        self.send_response(response.status)
        self.send_header('Content-Type', stream.content_type if stream is not None else 'application/json')
        self.send_header('Content-Length', str(stream.length if stream is not None else len(payload)))
        self.send_header('Strict-Transport-Security', 'max-age=31536000; includeSubDomains')
        self.send_header('X-Content-Type-Options', 'nosniff')
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.end_headers()
        if self.command == 'HEAD':
            return
        if stream is not None:
            self._stream(stream, response.drip)
            return
        if response.drip is None:
            self.wfile.write(payload)
            return
        self._drip(payload, response.drip)

    def _drip(self, payload, interval):
        """Send payload one byte every interval seconds (a server or proxy that trickles the body)."""
        for index in range(len(payload)):
            if index:
                time.sleep(interval)
            try:
                self.wfile.write(payload[index : index + 1])
            except OSError:  # the client gave up, or the emulator stopped
                self.close_connection = True
                return

    def _stream(self, stream, interval):
        """Send a StreamBody chunk by chunk (drip: interval seconds between chunks); a cut body closes the
        connection."""
        for index, chunk in enumerate(stream.chunks()):
            if index and interval:
                time.sleep(interval)
            try:
                self.wfile.write(chunk)
            except OSError:  # the client gave up, or the emulator stopped
                self.close_connection = True
                return
        if stream.cut is not None:
            self.close_connection = True

    do_GET = do_POST = do_PATCH = do_DELETE = do_PUT = do_HEAD = _dispatch


class CloudServer(http.server.ThreadingHTTPServer):
    """The listener of one cloud; TLS handshakes happen in the worker thread, never in the accept loop."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, address, app, cloud, ssl_context=None):
        self.app = app
        self.cloud = cloud
        self.ssl_context = ssl_context
        self._connections = set()
        self._connections_lock = threading.Lock()
        super().__init__(address, FalconHandler)

    def finish_request(self, request, client_address):
        """Wrap the accepted socket in TLS (when enabled) inside the per-connection thread."""
        with self._connections_lock:
            self._connections.add(request)
        try:
            if self.ssl_context is not None:
                try:
                    request = self.ssl_context.wrap_socket(request, server_side=True)
                except (ssl.SSLError, OSError):
                    return
            super().finish_request(request, client_address)
        finally:
            with self._connections_lock:
                self._connections.discard(request)

    def close_connections(self):
        """Cut open keep-alive connections, so a stopped emulator really stops answering."""
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def handle_error(self, request, client_address):
        """Client disconnects and TLS errors are normal in fault tests: do not print them."""


def start_listener(app, cloud, host, port, ssl_context=None):
    """Open and serve one cloud's listener in a daemon thread; return (server, thread, base_url)."""
    server = CloudServer((host, port), app, cloud, ssl_context)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={'poll_interval': 0.1}, name='falcon-emulator-%s' % cloud, daemon=True
    )
    thread.start()
    bound_host, bound_port = server.server_address[:2]
    shown = '[%s]' % bound_host if ':' in bound_host else bound_host
    return server, thread, '%s://%s:%d' % ('https' if ssl_context else 'http', shown, bound_port)

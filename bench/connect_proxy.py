"""A loopback CONNECT proxy that answers TLS for a cloud host name itself and relays to the emulator over TLS.

The vendor collection's modules only take cloud names (us-1 ...), never a URL, so FalconPy always connects to
api.crowdstrike.com. With HTTPS_PROXY pointing here and REQUESTS_CA_BUNDLE at this proxy's CA, that name ends up at
the emulator without any DNS lookup (the client resolves only the proxy, 127.0.0.1). The client side is real TLS, so
both collections pay for TLS alike. Benchmarks only; never used by tests.
"""

import datetime
import os
import select
import socket
import ssl
import threading

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


def name(common_name):
    """An X.509 name with this common name."""
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _certificates(directory, host):
    """Write ca.pem, cert.pem and key.pem for host in directory; return their paths."""
    now = datetime.datetime.now(datetime.timezone.utc)
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca = (
        x509.CertificateBuilder()
        .subject_name(name('bench proxy CA'))
        .issuer_name(name('bench proxy CA'))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    cert = (
        x509.CertificateBuilder()
        .subject_name(name(host))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(host)]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    paths = dict((n, os.path.join(directory, n)) for n in ('ca.pem', 'cert.pem', 'key.pem'))
    with open(paths['ca.pem'], 'wb') as out:
        out.write(ca.public_bytes(serialization.Encoding.PEM))
    with open(paths['cert.pem'], 'wb') as out:
        out.write(cert.public_bytes(serialization.Encoding.PEM))
    with open(paths['key.pem'], 'wb') as out:
        out.write(
            key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
    return paths


def _relay(left, right):
    """Copy bytes both ways between two TLS sockets in this one thread until either side closes.

    One thread per connection: an OpenSSL connection must not be read and written from two threads at once.
    """
    peers = {left: right, right: left}
    try:
        while True:
            readable, _w, _x = select.select([left, right], [], [], 300)
            if not readable:
                return
            for sock in readable:
                while True:
                    # Non-blocking only while reading: a readable socket may hold a TLS record without data (a
                    # session ticket), and a blocking read would then wait while the other side wants to talk.
                    sock.setblocking(False)
                    try:
                        data = sock.recv(65536)
                    except ssl.SSLWantReadError:
                        break
                    finally:
                        sock.setblocking(True)
                    if not data:
                        return
                    peers[sock].sendall(data)
                    if not sock.pending():  # nothing left in the TLS buffer, which select() cannot see
                        break
    except (OSError, ssl.SSLError):
        return
    finally:
        left.close()
        right.close()


class ConnectProxy:
    """CONNECT <host>:443 -> TLS as host (our CA) -> TLS to upstream_url's port on 127.0.0.1 (upstream_ca)."""

    def __init__(self, directory, host, upstream_port, upstream_ca):
        self.paths = _certificates(directory, host)
        self.server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.server_tls.load_cert_chain(self.paths['cert.pem'], self.paths['key.pem'])
        self.client_tls = ssl.create_default_context(cafile=upstream_ca)
        self.upstream_port = upstream_port
        self.listener = socket.create_server(('127.0.0.1', 0))
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def url(self):
        """The proxy URL for HTTPS_PROXY."""
        return 'http://127.0.0.1:%d' % self.port

    @property
    def ca_path(self):
        """The CA the client must trust (REQUESTS_CA_BUNDLE)."""
        return self.paths['ca.pem']

    def _accept(self):
        while True:
            try:
                conn, _addr = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn):
        try:
            head = b''
            while b'\r\n\r\n' not in head:
                chunk = conn.recv(4096)
                if not chunk:
                    return
                head += chunk
            if not head.startswith(b'CONNECT '):
                conn.sendall(b'HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n')
                return
            conn.sendall(b'HTTP/1.1 200 Connection established\r\n\r\n')
            client = self.server_tls.wrap_socket(conn, server_side=True)
            upstream = self.client_tls.wrap_socket(
                socket.create_connection(('127.0.0.1', self.upstream_port)), server_hostname='127.0.0.1'
            )
            client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            upstream.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            _relay(client, upstream)
        except (OSError, ssl.SSLError):
            conn.close()

    def close(self):
        """Stop accepting connections."""
        self.listener.close()

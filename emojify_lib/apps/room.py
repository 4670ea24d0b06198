"""The emoji camera for a room (``make app-room``): the Voilà page served to visitors' own laptops and phones.

Browsers share a camera only with ``https://`` pages (or ``localhost``), so the page is served over HTTPS with a
self-signed certificate, made on first use with the ``cryptography`` package and kept outside the project in
:func:`~emojify_lib.core.config.config_dir` (``~/.config/emojify/room/``). Visitors' browsers warn about it once
(it was made on this computer, not by an authority they know); :func:`main` prints what they will see.

What this module adds to Voilà 0.5 is small; everything else is Voilà's and Jupyter server's own settings
(:func:`voila_arguments` lists them):

* :class:`RoomVoila`: Voilà's app, listening with TLS (standalone Voilà 0.5 has no ``certfile`` option).
* :class:`RoomKernelManager`: Jupyter server's kernel manager with a limit on simultaneous pages (one kernel
  each); the visitor beyond it gets "The room is full" instead of a page.
* a token (a password) protects the page; idle kernels are culled; no files are served; tracebacks stay on the
  server; and Voilà refuses every kernel message but the widgets' own (``execute_request`` included).

The page's kernels run with ``EMOJIFY_ROOM=1`` (:func:`~emojify_lib.core.config.room_mode`): a visitor's
Snapshot downloads to their own browser and nothing is written here (see :mod:`emojify_lib.apps.widgets`).
"""
from __future__ import annotations

import argparse
import contextlib
import datetime
import ipaddress
import os
import secrets
import socket
import ssl
import sys
from pathlib import Path

from traitlets import Integer, Unicode

from ..core import config
from .serving import PAGE_SETTINGS

#: How many visitors (pages, one kernel each) may have the camera open at once, by default.
MAX_VISITORS = 6  # each page is a kernel of about 0.9 GB (TensorFlow + the model), measured here
#: Minutes after which a page that sent nothing gives its kernel (its place in the room) back, by default.
IDLE_MINUTES = 5
#: How long a certificate made here is valid.
CERT_DAYS = 365

ROOM_FULL = ("The room is full: {n} visitor(s) have the emoji camera open. Try again in a minute, when someone "
             "closes the page (a page left idle for {idle} minutes gives its place back).")

BROWSER_WARNING = """\
A visitor's browser warns once before it shows the page, because this certificate was made on this computer and
not by an authority the browser knows:
  Chrome / Edge:  "Your connection is not private" (NET::ERR_CERT_AUTHORITY_INVALID): Advanced > Proceed
  Firefox:        "Warning: Potential Security Risk Ahead": Advanced > Accept the Risk and Continue
  Safari:         "This Connection Is Not Private": Show Details > visit this website
A careful visitor can compare the certificate's SHA-256 fingerprint (in the browser's certificate viewer) with:
  {fingerprint}"""


# ------------------------------------------------------------------------------------------- addresses
def network_addresses() -> list[str]:
    """This machine's IPv4 addresses that other devices on the network can reach (no loopback, no link-local),
    from the host name and from the routing table's choice for an outside address (a UDP ``connect`` only looks
    the route up: nothing is sent)."""
    found: set[str] = set()
    with contextlib.suppress(OSError):
        for info in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET):
            found.add(info[4][0])
    with contextlib.suppress(OSError), socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.connect(("192.0.2.1", 9))  # TEST-NET-1 (RFC 5737): never routed, and UDP connect sends no packet
        found.add(probe.getsockname()[0])
    usable = [a for a in found if not (ipaddress.ip_address(a).is_loopback or ipaddress.ip_address(a).is_link_local
                                       or ipaddress.ip_address(a).is_unspecified)]
    return sorted(usable, key=ipaddress.ip_address)


# ----------------------------------------------------------------------------------------- certificate
def certificate_folder() -> Path:
    """Where the room's certificate and key are kept: ``<config_dir>/room`` (outside the project)."""
    return config.config_dir() / "room"


def _covers(cert, names: list[str]) -> bool:
    from cryptography import x509

    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return False
    have = {str(ip) for ip in san.get_values_for_type(x509.IPAddress)} | set(san.get_values_for_type(x509.DNSName))
    return set(names) <= have


def _valid_now(cert) -> bool:
    now = datetime.datetime.now(datetime.timezone.utc)
    return cert.not_valid_before_utc <= now < cert.not_valid_after_utc - datetime.timedelta(days=1)


def ensure_certificate(names: list[str], folder: Path | None = None) -> tuple[Path, Path, bool]:
    """``(certfile, keyfile, made)``: the room's self-signed certificate for ``names`` (IP addresses and host
    names the visitors will type), made with the ``cryptography`` package on first use, and again when it has
    expired or does not cover every name (the laptop joined another network). The key file is readable by its
    owner only. ``made`` tells whether a new one was written."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    folder = Path(folder) if folder is not None else certificate_folder()
    certfile, keyfile = folder / "cert.pem", folder / "key.pem"
    if certfile.is_file() and keyfile.is_file():
        with contextlib.suppress(ValueError):
            cert = x509.load_pem_x509_certificate(certfile.read_bytes())
            if _valid_now(cert) and _covers(cert, names):
                return certfile, keyfile, False
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "emojify room (self-signed)")])
    alt = []
    for name in dict.fromkeys(names):
        try:
            alt.append(x509.IPAddress(ipaddress.ip_address(name)))
        except ValueError:
            alt.append(x509.DNSName(name))
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=CERT_DAYS))
            .add_extension(x509.SubjectAlternativeName(alt), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .sign(key, hashes.SHA256()))
    folder.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(OSError):
        folder.chmod(0o700)
    fd = os.open(keyfile, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption()))
    certfile.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return certfile, keyfile, True


def fingerprint(certfile: Path) -> str:
    """The certificate's SHA-256 fingerprint as browsers show it (``AB:CD:…``)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes

    digest = x509.load_pem_x509_certificate(Path(certfile).read_bytes()).fingerprint(hashes.SHA256())
    return ":".join(f"{b:02X}" for b in digest)


def new_token() -> str:
    """A password for the page: 10 letters and digits, easy to type on a phone, without 0/O or 1/l/I."""
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    return "".join(secrets.choice(alphabet) for _ in range(10))


# -------------------------------------------------------------------------------- Voilà and the server
def _kernel_manager_base():
    from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager

    return AsyncMappingKernelManager


class RoomKernelManager(_kernel_manager_base()):
    """Jupyter server's kernel manager with a limit: at most ``max_kernels`` pages (one kernel each) at once.
    Beyond it, the page answers ``503`` with :data:`ROOM_FULL` (Voilà shows it as the page)."""

    max_kernels = Integer(MAX_VISITORS, config=True, help="How many kernels (visitors' pages) may run at once.")
    idle_minutes = Integer(IDLE_MINUTES, config=True, help="Only for the message: when idle pages give way.")

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._starting = 0  # kernels being started: counted, so two visitors at the same moment cannot both pass

    async def start_kernel(self, *args, kernel_id=None, **kwargs):
        if kernel_id is None and len(self.list_kernel_ids()) + self._starting >= self.max_kernels:
            from tornado.web import HTTPError

            self.log.warning("room full: %d kernels running, a visitor was turned away", self.max_kernels)
            raise HTTPError(503, reason=ROOM_FULL.format(n=self.max_kernels, idle=self.idle_minutes))
        self._starting += 1
        try:
            return await super().start_kernel(*args, kernel_id=kernel_id, **kwargs)
        finally:
            self._starting -= 1


def _voila_class():
    from voila.app import Voila

    return Voila


class RoomVoila(_voila_class()):
    """Voilà's app, listening over HTTPS when ``certfile`` and ``keyfile`` are set (standalone Voilà 0.5 has no
    such option: its ``listen`` calls tornado's ``listen`` without TLS). Prints ``banner_text`` once listening."""

    certfile = Unicode("", config=True, help="PEM certificate: serve over HTTPS.")
    keyfile = Unicode("", config=True, help="PEM private key of certfile.")
    banner_text = ""  # printed once the server listens, with "{port}" filled in (set by main)

    def _url(self, ip):
        url = super()._url(ip)
        return "https" + url[len("http"):] if self.certfile and url.startswith("http:") else url

    def listen(self):
        plain = self.app.listen
        context = None
        if self.certfile:
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(self.certfile, self.keyfile)

        def listen(port, address="", **kwargs):
            server = plain(port, address, ssl_options=context, **kwargs) if context else plain(port, address, **kwargs)
            if self.banner_text:
                print(self.banner_text.replace("{port}", str(port)), flush=True)
            return server

        self.app.listen = listen
        super().listen()


def voila_arguments(notebook: str | Path, *, ip: str, port: int, token: str, certfile: Path, keyfile: Path,
                    max_visitors: int = MAX_VISITORS, idle_minutes: int = IDLE_MINUTES) -> list[str]:
    """The command-line settings of the room's Voilà server (Voilà's and Jupyter server's own options)."""
    idle = max(60, int(idle_minutes * 60))
    return [
        str(notebook), "--no-browser", f"--Voila.ip={ip}", f"--port={port}", "--Voila.port_retries=0",
        f"--RoomVoila.certfile={certfile}", f"--RoomVoila.keyfile={keyfile}",
        f"--Voila.token={token}",                                     # a password protects the page
        "--VoilaConfiguration.multi_kernel_manager_class=emojify_lib.apps.room.RoomKernelManager",
        f"--RoomKernelManager.max_kernels={max_visitors}", f"--RoomKernelManager.idle_minutes={idle_minutes}",
        f"--MappingKernelManager.cull_idle_timeout={idle}",           # pages that send nothing give their place back,
        "--MappingKernelManager.cull_interval=30",                   # checked every 30 s,
        "--MappingKernelManager.cull_connected=True",                # even when the tab is still open
        "--VoilaConfiguration.show_tracebacks=False",                # errors stay in this terminal
        "--VoilaConfiguration.file_denylist=.*",                     # no file of the page's folder is served
        "--VoilaConfiguration.allow_template_override=NO", "--VoilaConfiguration.allow_theme_override=NO",
        *PAGE_SETTINGS,                                              # as `make app`: answers leave at once
    ]


def banner(urls: list[str], token: str, certfile: Path, made: bool, max_visitors: int, idle_minutes: int) -> str:
    """What the teacher reads in the terminal: the addresses to open, the password, the browser's warning."""
    lines = ["", "The emoji camera for a room, over HTTPS. Visitors open (on the same network):"]
    lines += [f"  {url}/?token={token}" for url in urls]
    lines += [f"Password, if a browser asks: {token}",
              f"Certificate: self-signed, {'made now' if made else 'made earlier'}, kept in {certfile.parent}",
              BROWSER_WARNING.format(fingerprint=fingerprint(certfile)),
              f"Visitors at once: {max_visitors} at most (the next one reads 'The room is full'); a page idle for "
              f"{idle_minutes} min gives its place back.",
              "Visitors' snapshots download to their own device: nothing they send is written on this computer.",
              "Stop with Ctrl+C.", ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """``python -m emojify_lib.apps.room NOTEBOOK``: serve the page to the room (see the module's docstring)."""
    parser = argparse.ArgumentParser(prog="python -m emojify_lib.apps.room", description=__doc__.split("\n")[0])
    parser.add_argument("notebook", help="the page (a notebook), e.g. page/emoji_camera.ipynb")
    parser.add_argument("--ip", default="0.0.0.0", help="address to listen on (default: every network address)")
    parser.add_argument("--port", type=int, default=8866)
    parser.add_argument("--token", default=os.environ.get("EMOJIFY_ROOM_TOKEN") or None,
                        help="the page's password (default: $EMOJIFY_ROOM_TOKEN, else a new one each start)")
    parser.add_argument("--max-visitors", type=int, default=MAX_VISITORS, help=f"default {MAX_VISITORS}")
    parser.add_argument("--idle-minutes", type=int, default=IDLE_MINUTES, help=f"default {IDLE_MINUTES}")
    parser.add_argument("--cert-dir", type=Path, default=None,
                        help="where the certificate is kept (default ~/.config/emojify/room)")
    args = parser.parse_args(argv)
    if args.max_visitors < 1 or args.idle_minutes < 1:
        parser.error("--max-visitors and --idle-minutes must be 1 or more")
    if args.ip in ("0.0.0.0", ""):
        addresses = network_addresses()
        hosts = addresses + [socket.gethostname()]
        if not addresses:
            print("No network address found: is this computer on the room's network (Wi-Fi)?", file=sys.stderr)
    else:
        hosts = [args.ip]
    names = list(dict.fromkeys(hosts + ["localhost", "127.0.0.1"]))
    certfile, keyfile, made = ensure_certificate(names, args.cert_dir)
    token = args.token or new_token()
    urls = [f"https://{h}:{{port}}" for h in hosts]
    os.environ["EMOJIFY_ROOM"] = "1"  # the page's kernels inherit it: snapshots download, no server details shown
    argv_voila = voila_arguments(args.notebook, ip=args.ip, port=args.port, token=token, certfile=certfile,
                                 keyfile=keyfile, max_visitors=args.max_visitors, idle_minutes=args.idle_minutes)
    RoomVoila.banner_text = banner(urls, token, certfile, made, args.max_visitors, args.idle_minutes)
    RoomVoila.launch_instance(argv_voila)
    return 0


if __name__ == "__main__":
    sys.exit(main())

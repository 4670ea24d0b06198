"""`make app-room`'s pieces that need no server: the self-signed certificate (made once, outside the project,
again only when it no longer fits), the token, Voilà's settings and what the teacher reads in the terminal."""
import datetime
import ssl
import stat
from pathlib import Path

from cryptography import x509

from emojify_lib.apps import room
from emojify_lib.core import config


def test_certificate_made_once_for_the_names_and_remade_when_they_change(tmp_path):
    folder = tmp_path / "cfg" / "room"
    cert, key, made = room.ensure_certificate(["127.0.0.1", "localhost", "teacher-laptop"], folder)
    assert made and cert.is_file() and stat.S_IMODE(key.stat().st_mode) == 0o600
    loaded = x509.load_pem_x509_certificate(cert.read_bytes())
    san = loaded.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert {str(a) for a in san.get_values_for_type(x509.IPAddress)} == {"127.0.0.1"}
    assert set(san.get_values_for_type(x509.DNSName)) == {"localhost", "teacher-laptop"}
    assert loaded.not_valid_after_utc - datetime.datetime.now(datetime.timezone.utc) > datetime.timedelta(days=300)
    ssl.create_default_context(ssl.Purpose.CLIENT_AUTH).load_cert_chain(cert, key)  # a pair TLS accepts
    before = cert.read_bytes()
    assert room.ensure_certificate(["127.0.0.1"], folder)[2] is False and cert.read_bytes() == before  # kept
    assert room.ensure_certificate(["192.168.1.20"], folder)[2] is True and cert.read_bytes() != before  # new network
    fp = room.fingerprint(cert)
    assert len(fp.split(":")) == 32


def test_certificate_kept_outside_the_project(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    assert room.certificate_folder() == tmp_path / "xdg" / "emojify" / "room"
    monkeypatch.delenv("XDG_CONFIG_HOME")
    assert room.certificate_folder().is_relative_to(Path.home())
    assert not room.certificate_folder().is_relative_to(config.project_root())


def test_tokens_are_new_and_easy_to_type():
    tokens = {room.new_token() for _ in range(20)}
    assert len(tokens) == 20 and all(len(t) == 10 and t.isalnum() and not set(t) & set("0o1lI") for t in tokens)


def test_voila_settings_and_the_banner(tmp_path):
    cert, key, made = room.ensure_certificate(["127.0.0.1"], tmp_path)
    args = room.voila_arguments("page.ipynb", ip="0.0.0.0", port=8866, token="abc", certfile=cert, keyfile=key,
                                max_visitors=5, idle_minutes=3)
    for setting in ("--Voila.ip=0.0.0.0", "--Voila.token=abc", f"--RoomVoila.certfile={cert}",
                    "--RoomKernelManager.max_kernels=5", "--MappingKernelManager.cull_idle_timeout=180",
                    "--MappingKernelManager.cull_connected=True", "--VoilaConfiguration.show_tracebacks=False",
                    "--VoilaConfiguration.file_denylist=.*",
                    "--VoilaConfiguration.multi_kernel_manager_class=emojify_lib.apps.room.RoomKernelManager"):
        assert setting in args, setting
    text = room.banner(["https://192.168.1.20:{port}"], "abc", cert, made, 5, 3)
    assert "https://192.168.1.20:{port}/?token=abc" in text and "Password, if a browser asks: abc" in text
    assert "Your connection is not private" in text and room.fingerprint(cert) in text
    assert "The room is full" in text and "download" in text

"""`crawl --once` against hostile servers: no fetch from private addresses, no body echoed, no endless trickle."""

from sqlalchemy import select

from contextfeed.db.engine import Database
from contextfeed.db.models import Source
from tests.conftest import DATA
from tests.hostile.servers import Server, crawl_config, elapsed

SECRET = b"root:x:0:0:SECRET-INTERNAL-PAGE\n" * 4
SIP = (DATA / "scenarios" / "boston-2013" / "feeds" / "mema_shelter_in_place.xml").read_bytes()


def index_linking(*urls: str) -> bytes:
    """An Atom index of CAP alerts (as NWS and IPAWS publish them) whose entries link to `urls`."""
    entries = "".join(
        f"""<entry><id>urn:test:{number}</id><updated>2013-04-19T06:30:00-04:00</updated>
<title>Alert {number}</title><link href="{url}"/><summary>See the linked alert</summary></entry>"""
        for number, url in enumerate(urls)
    )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><id>urn:test:index</id><title>Alerts</title>
<updated>2013-04-19T06:30:00-04:00</updated>{entries}</feed>""".encode()


def source_health(url: str, name: str) -> dict:
    """The stored health of source `name`: last error, consecutive failures, last success."""
    database = Database.from_url(url)
    try:
        with database.read() as session:
            source = session.scalars(select(Source).where(Source.name == name)).one()
            return {
                "last_error": source.last_error or "",
                "consecutive_failures": source.consecutive_failures,
                "last_success_at": source.last_success_at,
            }
    finally:
        database.dispose()


def one_source(tmp_path, monkeypatch, name: str, url: str, **fetch) -> None:
    """Configure one CAP source `name` at `url` (127.0.0.1 allowed, as for a test server)."""
    config = crawl_config(
        tmp_path / "contextfeed.toml",
        f'''
[[sources]]
name = "{name}"
kind = "cap"
url = "{url}"
''',
        **fetch,
    )
    monkeypatch.setenv("CONTEXTFEED_CONFIG", str(config))


def test_a_cap_index_cannot_make_the_crawler_fetch_loopback_or_link_local_addresses(
    cli, migrated, tmp_path, monkeypatch
):
    internal = Server({"/secret": SECRET}, host="127.0.0.2")  # another loopback address, not allow-listed
    index = Server({"/index.atom": index_linking(f"{internal.url}/secret", "http://169.254.169.254/latest/")})
    try:
        one_source(tmp_path, monkeypatch, "index", f"{index.url}/index.atom")
        status, out, err = cli("crawl", "--once")
    finally:
        internal.close()
        index.close()
    assert internal.requests == []
    assert "127.0.0.2 is not a public address" in out and "169.254.169.254 is not a public address" in out
    health = source_health(migrated, "index")
    assert b"SECRET" not in (out + err + health["last_error"]).encode()


def test_an_allowed_server_answering_a_non_xml_body_is_never_quoted_in_the_source_health(
    cli, migrated, tmp_path, monkeypatch
):
    server = Server({"/secret": SECRET})
    try:
        index = Server({"/index.atom": index_linking(f"{server.url}/secret")})
        one_source(tmp_path, monkeypatch, "index", f"{index.url}/index.atom")
        status, out, err = cli("crawl", "--once")
        index.close()
    finally:
        server.close()
    assert server.requests == ["/secret"]
    health = source_health(migrated, "index")
    assert "not XML" in out
    assert b"SECRET" not in (out + err + health["last_error"]).encode()


def test_a_server_trickling_a_byte_every_two_seconds_is_given_up_on_and_the_source_marked_failed(
    cli, migrated, tmp_path, monkeypatch
):
    server = Server({"/alerts.xml": SIP}, trickle=frozenset({"/alerts.xml"}))
    try:
        one_source(tmp_path, monkeypatch, "slow", f"{server.url}/alerts.xml", total_timeout_s=3)
        (status, out, err), seconds = elapsed(cli, "crawl", "--once")
    finally:
        server.close()
    assert seconds < 15
    assert status == 1 and "FAILED" in out and "no complete response within 3 s" in out
    health = source_health(migrated, "slow")
    assert health["consecutive_failures"] == 1 and health["last_success_at"] is None

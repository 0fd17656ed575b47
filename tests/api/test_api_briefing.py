"""The agent briefing: location with precision, the customer's clock, flags with reasons, events with links."""

from datetime import UTC, datetime, time

from contextfeed.api.briefing import assemble_briefing
from contextfeed.config import CallingSettings, Settings
from contextfeed.db.models import Account
from contextfeed.dialer.calling import inside_calling_hours, stamp
from contextfeed.domain.instants import local_time
from contextfeed.flags.query import ActiveFlag

CALLING = CallingSettings(hours_start=time(8, 0), hours_end=time(21, 0))


def at_local(hour: int, minute: int = 0) -> datetime:
    """An instant that is hour:minute in Boston in April (EDT, UTC-4)."""
    return datetime(2013, 4, 19, (hour + 4) % 24, minute, tzinfo=UTC)


def test_calling_hours_include_the_start_and_exclude_the_end():
    zone = "America/New_York"
    assert inside_calling_hours(local_time(at_local(7, 59), zone), CALLING) is False
    assert inside_calling_hours(local_time(at_local(8, 0), zone), CALLING) is True
    assert inside_calling_hours(local_time(at_local(20, 59), zone), CALLING) is True
    assert inside_calling_hours(local_time(at_local(21, 0), zone), CALLING) is False


def test_calling_hours_are_unknown_without_a_time_zone():
    assert inside_calling_hours(local_time(at_local(12), None), CALLING) is None
    assert inside_calling_hours(local_time(at_local(12), "Not/AZone"), CALLING) is None


def test_instants_are_given_in_utc_and_on_the_customers_clock():
    assert stamp(at_local(7), "Asia/Manila") == {"utc": "2013-04-19T11:00:00Z", "local": "2013-04-19T19:00:00+08:00"}
    assert stamp(at_local(7), None) == {"utc": "2013-04-19T11:00:00Z", "local": None}
    clock = local_time(at_local(7), "America/New_York").as_json()
    assert clock["abbreviation"] == "EDT" and clock["utc_offset"] == "-04:00"


def test_assembly_puts_the_strongest_level_and_its_guidance_first():
    account = Account(
        account_id="X1",
        name="N",
        phone="",
        address="",
        city="",
        region="",
        postal_code="",
        country="",
        loc_precision="city",
        loc_source="city_country",
        timezone="Europe/Paris",
        loc_lat=48.85,
        loc_lon=2.35,
        loc_note="",
        created_at=at_local(0),
        updated_at=at_local(0),
    )
    flags = [
        ActiveFlag(
            flag_id=7,
            account_id="X1",
            level="caution",
            reason="Riots — Paris (Le Monde, 13:00 CEST)",
            rule="news-crisis",
            event_ids=(),
            starts_at=at_local(6),
            expires_at=None,
            source="automatic",
            match="inside",
            actor=None,
        )
    ]
    settings = Settings(policy={"guidance": {"caution": "Read first."}})
    briefing = assemble_briefing(account, flags, {}, [], at=at_local(7), settings=settings)
    assert briefing["level"] == "caution" and briefing["guidance"] == "Read first."
    assert briefing["flags"][0]["expires_at"] is None
    assert briefing["at"]["local"] == "2013-04-19T13:00:00+02:00"
    assert briefing["calling_hours"] == {"start": "08:00", "end": "21:00", "inside": True}


def test_the_briefing_for_a_customer_under_shelter_in_place(world):
    response = world.client.get("/v1/accounts/A002/context", headers=world.keys.agent)
    assert response.status_code == 200
    briefing = response.json()
    assert briefing["level"] == "do_not_chase"
    assert briefing["guidance"] == world.app.settings.policy.guidance["do_not_chase"]
    location = briefing["account"]["location"]
    assert (location["label"], location["precision"], location["timezone"]) == (
        "Watertown, Massachusetts, United States",
        "postal",
        "America/New_York",
    )
    assert location["precision_text"] == "postal code 02472"
    assert briefing["at"] == {
        "utc": "2013-04-19T11:00:00Z",
        "local": "2013-04-19T07:00:00-04:00",
        "timezone": "America/New_York",
        "abbreviation": "EDT",
        "utc_offset": "-04:00",
    }
    assert briefing["calling_hours"]["inside"] is False
    [flag] = briefing["flags"]
    assert flag["reason"].startswith("Shelter in Place Warning — Watertown")
    assert flag["match"] == "inside the alert area (by the centre of postal code 02472)"
    assert flag["expires_at"] == {"utc": "2013-04-19T22:05:00Z", "local": "2013-04-19T18:05:00-04:00"}
    [event] = [event for event in briefing["events"] if event["relation"] == "flag"]
    assert event["event_id"] == world.shelter and event["source"] == "mema"
    assert event["link"] == "https://www.mass.gov/mema/alerts/sip-1"
    assert event["sent"] == {"utc": "2013-04-19T10:30:00Z", "local": "2013-04-19T06:30:00-04:00"}
    assert event["areas"][0]["polygons"][0][0] == [42.33, -71.25]


def test_other_events_nearby_are_listed_but_tests_and_expired_news_are_not(world):
    briefing = world.client.get("/v1/accounts/A004/context", headers=world.keys.agent).json()
    assert briefing["level"] is None and briefing["flags"] == []
    [nearby] = briefing["events"]
    assert nearby["event_id"] == world.shelter and nearby["relation"] == "nearby"
    assert 8 < nearby["distance_km"] < 12 and nearby["how"].startswith("about")


def test_news_gives_caution_on_the_day_it_broke(world):
    briefing = world.client.get(
        "/v1/accounts/A001/context", params={"at": "2013-04-15T20:00:00Z"}, headers=world.keys.agent
    ).json()
    assert briefing["level"] == "caution"
    assert briefing["guidance"] == world.app.settings.policy.guidance["caution"]
    assert briefing["events"][0]["event_id"] == world.bombing_news


def test_a_customer_abroad_gets_their_own_clock(world):
    briefing = world.client.get("/v1/accounts/A009/context", headers=world.keys.agent).json()
    assert briefing["at"]["local"] == "2013-04-19T19:00:00+08:00"
    assert briefing["calling_hours"]["inside"] is True and briefing["level"] is None


def test_an_unknown_account_is_404(world):
    response = world.client.get("/v1/accounts/NOPE/context", headers=world.keys.agent)
    assert response.status_code == 404 and response.json()["error"] == "unknown_account"


def test_a_bad_instant_is_422_naming_at(world):
    for value in ("yesterday", "2013-13-01T00:00:00Z", "1800-01-01T00:00:00Z"):
        response = world.client.get("/v1/accounts/A002/context", params={"at": value}, headers=world.keys.agent)
        problem = response.json()["fields"][0]
        assert response.status_code == 422 and (problem["field"], problem["location"]) == ("at", "query")
        assert response.json()["message"].startswith("at: ")


def test_admins_get_the_explanation_over_http_and_agents_do_not(world):
    response = world.client.get("/v1/accounts/A004/explain?at=2013-04-19T11:00:00Z", headers=world.keys.admin)
    assert response.status_code == 200
    body = response.json()
    assert body["account_id"] == "A004" and body["location"]["precision"]
    assert any("Test" in event["why"] for event in body["events"])
    assert world.client.get("/v1/accounts/A004/explain", headers=world.keys.agent).status_code == 403
    assert world.client.get("/v1/accounts/NOPE/explain", headers=world.keys.admin).status_code == 404


def test_places_are_named_never_coded():
    from types import SimpleNamespace

    from contextfeed.api.render import location_label, precision_text

    def account(**fields):
        blank = dict(
            loc_city=None,
            loc_admin1=None,
            loc_country=None,
            loc_precision="city",
            loc_postal_code=None,
            postal_code=None,
        )
        return SimpleNamespace(**(blank | fields))

    assert (
        location_label(account(loc_city="Paris", loc_admin1="FR-IDF", loc_country="FR"))
        == "Paris, Île-de-France, France"
    )
    # GeoNames' own admin1 numbering is no name: the city and country say enough.
    assert location_label(account(loc_city="Amman", loc_admin1="JO-GN16", loc_country="JO")) == "Amman, Jordan"
    assert (
        location_label(account(loc_city="Seoul", loc_admin1="KR-11", loc_country="KR"))
        == "Seoul, Seoul-teukbyeolsi, South Korea"
    )
    assert location_label(account()) == "unknown location"
    # A postal code that did not place the account is not shown as if it had.
    assert precision_text(account(postal_code="75001")) == "city (the postal code given, 75001, did not place it)"
    assert (
        precision_text(account(loc_precision="postal", loc_postal_code="02472", postal_code="02472"))
        == "postal code 02472"
    )

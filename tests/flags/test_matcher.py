"""The matcher groups the accounts an area touches by how it touches them; one by one it says the same."""

from sqlalchemy import select

from contextfeed.db.engine import Database
from contextfeed.db.models import EventArea
from contextfeed.flags.matcher import match_area, match_area_groups
from tests.conftest import DATA

BOSTON = DATA / "scenarios" / "boston-2013"
SIP = BOSTON / "feeds" / "mema_shelter_in_place.xml"


def test_accounts_touched_the_same_way_share_a_group_and_match_one_by_one_as_listed(cli, migrated):
    cli("accounts", "import", BOSTON / "accounts.csv")
    cli("ingest", SIP, "--kind", "cap", "--source", "mema")
    with Database.from_url(migrated).read() as session:
        (area,) = session.scalars(select(EventArea)).all()
        groups = list(match_area_groups(session, area))
        one_by_one = list(match_area(session, area))
    ways = [(group.area_precision, group.account_precision, group.how, group.timezone) for group in groups]
    assert len(set(ways)) == len(ways), "one group per way an account is touched"
    assert [
        (match.account_id, match.area_precision, match.account_precision, match.how, match.timezone)
        for match in one_by_one
    ] == [(account_id, *way) for way, group in zip(ways, groups) for account_id in group.account_ids]
    assert {match.account_id for match in one_by_one} == {"A001", "A002", "A003", "A011", "A013", "A014"}

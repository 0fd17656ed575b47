"""A flag id names one flag for good: a dialer keeping flags by id never mistakes a new flag for a cleared one."""

import json
from datetime import timedelta

from sqlalchemy import select

from contextfeed.db.models import EventArea
from contextfeed.services.ingest import flag_engine
from tests.api.world import NOW, add_event, add_quincy_evacuation

MANILA = [[14.5, 120.9], [14.7, 120.9], [14.7, 121.1], [14.5, 121.1], [14.5, 120.9]]


def test_a_new_flag_never_takes_the_id_of_the_newest_flag_just_cleared(world):
    event_id = add_quincy_evacuation(world.app)
    # The alert's area moves: Quincy's flag (the newest of all) is cleared and Manila's raised, in one update.
    with world.app.database.write() as session:
        area = session.scalars(select(EventArea).where(EventArea.event_id == event_id)).one()
        area.polygons = json.dumps([MANILA])
        area.min_lat, area.min_lon, area.max_lat, area.max_lon = 14.5, 120.9, 14.7, 121.1
        session.flush()
        flag_engine(world.app, session, now=NOW).reconcile_events([event_id])

    feed = world.client.get("/v1/flags/changes", params={"limit": 1000}, headers=world.keys.dialer).json()
    changes = [
        (change["action"], change["account_id"], change["flag_id"])
        for change in feed["changes"]
        if change["event_id"] == event_id
    ]
    (_, _, quincy), (_, _, manila), cleared = changes
    assert [action for action, _, _ in changes] == ["raise", "raise", "clear"]
    assert cleared == ("clear", "A004", quincy) and manila != quincy

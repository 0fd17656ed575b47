"""Areas across the antimeridian cover the islands they were drawn around, not the rest of the world."""

from tests.hostile.documents import ACCOUNTS_HEADER, cap_alert, flagged, write

ACCOUNTS = (
    ACCOUNTS_HEADER
    + "\n".join(
        [
            "SUVA,Suva,,,,,,FJ,-18.1416,178.4419",
            "LAU,Lakeba (Lau group),,,,,,FJ,-18.2000,-178.8000",
            "BRASILIA,Brasilia,,,,,,BR,-15.7939,-47.8828",
            "TANA,Antananarivo,,,,,,MG,-18.8792,47.5079",
            "TOWNSVILLE,Townsville,,,,,,AU,-19.2590,146.8169",
            "EAST63,63 km east of the circle's centre,,,,,,,-16.0000,-179.5000",
            "WEST63,63 km west of the circle's centre,,,,,,,-16.0000,179.3000",
            "APIA,Apia,,,,,,WS,-13.8333,-171.7667",
        ]
    )
    + "\n"
)


FIJI = "-15.5,177.0 -15.5,-178.0 -21.0,-178.0 -21.0,177.0 -15.5,177.0"
FAR_SIDE = {"BRASILIA", "TANA", "TOWNSVILLE", "APIA"}


def levels_after(cli, tmp_path, *, accounts_first: bool = True, **shape) -> dict[str, str]:
    """The flags after importing ACCOUNTS and ingesting a CAP alert over `shape` (in that order, or the other)."""
    steps = [
        ("accounts", "import", write(tmp_path / "accounts.csv", ACCOUNTS)),
        ("ingest", write(tmp_path / "alert.xml", cap_alert(**shape)), "--kind", "cap", "--source", "fms"),
    ]
    for step in steps if accounts_first else reversed(steps):
        assert cli(*step)[0] == 0
    return flagged(cli)


def test_a_polygon_from_177_east_to_178_west_flags_fiji_and_nothing_on_the_far_side(cli, migrated, tmp_path):
    levels = levels_after(cli, tmp_path, polygon=FIJI)
    assert levels.get("SUVA") == levels.get("LAU") == "do_not_chase"
    assert not FAR_SIDE & set(levels)


def test_a_300_km_circle_at_179_9_reaches_an_account_63_km_east_across_the_antimeridian(cli, migrated, tmp_path):
    levels = levels_after(cli, tmp_path, circle="-16.0,179.9 300")
    assert levels.get("EAST63") == levels.get("WEST63") == levels.get("SUVA") == "do_not_chase"
    assert not FAR_SIDE & set(levels)


def test_an_account_imported_after_a_fiji_alert_is_flagged_by_it(cli, migrated, tmp_path):
    levels = levels_after(cli, tmp_path, accounts_first=False, polygon=FIJI)
    assert levels.get("SUVA") == levels.get("LAU") == "do_not_chase"
    assert not FAR_SIDE & set(levels)

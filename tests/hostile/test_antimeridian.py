"""Areas across the antimeridian cover the islands they were drawn around, not the rest of the world."""

from tests.hostile.documents import ACCOUNTS_HEADER, cap_alert, flagged, write

ACCOUNTS = ACCOUNTS_HEADER + "\n".join([
    "SUVA,Suva,,,,,,FJ,-18.1416,178.4419",
    "LAU,Lakeba (Lau group),,,,,,FJ,-18.2000,-178.8000",
    "BRASILIA,Brasilia,,,,,,BR,-15.7939,-47.8828",
    "TANA,Antananarivo,,,,,,MG,-18.8792,47.5079",
    "TOWNSVILLE,Townsville,,,,,,AU,-19.2590,146.8169",
    "EAST63,63 km east of the circle's centre,,,,,,,-16.0000,-179.5000",
    "WEST63,63 km west of the circle's centre,,,,,,,-16.0000,179.3000",
    "APIA,Apia,,,,,,WS,-13.8333,-171.7667",
]) + "\n"


def test_a_polygon_from_177_east_to_178_west_flags_fiji_and_nothing_on_the_far_side(cli, migrated, tmp_path):
    assert cli("accounts", "import", write(tmp_path / "accounts.csv", ACCOUNTS))[0] == 0
    alert = cap_alert(polygon="-15.5,177.0 -15.5,-178.0 -21.0,-178.0 -21.0,177.0 -15.5,177.0")
    assert cli("ingest", write(tmp_path / "fiji.xml", alert), "--kind", "cap", "--source", "fms")[0] == 0
    levels = flagged(cli)
    assert levels.get("SUVA") == "do_not_chase"
    assert levels.get("LAU") == "do_not_chase"
    assert not {"BRASILIA", "TANA", "TOWNSVILLE", "APIA"} & set(levels)


def test_a_300_km_circle_at_179_9_reaches_an_account_63_km_east_across_the_antimeridian(cli, migrated, tmp_path):
    assert cli("accounts", "import", write(tmp_path / "accounts.csv", ACCOUNTS))[0] == 0
    alert = cap_alert(circle="-16.0,179.9 300")
    assert cli("ingest", write(tmp_path / "circle.xml", alert), "--kind", "cap", "--source", "fms")[0] == 0
    levels = flagged(cli)
    assert levels.get("EAST63") == "do_not_chase"
    assert levels.get("WEST63") == "do_not_chase"
    assert levels.get("SUVA") == "do_not_chase"
    assert not {"BRASILIA", "TANA", "TOWNSVILLE", "APIA"} & set(levels)


def test_an_account_imported_after_a_fiji_alert_is_flagged_by_it(cli, migrated, tmp_path):
    alert = cap_alert(polygon="-15.5,177.0 -15.5,-178.0 -21.0,-178.0 -21.0,177.0 -15.5,177.0")
    assert cli("ingest", write(tmp_path / "fiji.xml", alert), "--kind", "cap", "--source", "fms")[0] == 0
    assert cli("accounts", "import", write(tmp_path / "accounts.csv", ACCOUNTS))[0] == 0
    levels = flagged(cli)
    assert levels.get("LAU") == "do_not_chase"
    assert levels.get("SUVA") == "do_not_chase"
    assert not {"BRASILIA", "TANA", "TOWNSVILLE"} & set(levels)

"""The agent page is served without a key, locked down by its headers, and fetches its data from the keyed API."""


def test_the_page_is_served_without_a_key_and_locked_down(world):
    response = world.client.get("/")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert 'id="query"' in response.text and 'id="notices"' in response.text


def test_its_assets_are_served_and_hold_no_data(world):
    for asset, kind in (("agent.js", "javascript"), ("map.js", "javascript"), ("agent.css", "text/css")):
        response = world.client.get(f"/static/{asset}")
        assert response.status_code == 200 and kind in response.headers["content-type"]
    script = world.client.get("/static/agent.js").text
    assert "sessionStorage" in script and "Authorization" in script and "innerHTML" not in script


def test_the_page_is_not_part_of_the_api_document(world):
    paths = world.client.get("/openapi.json").json()["paths"]
    assert "/" not in paths and not any(path.startswith("/static") for path in paths)


def test_the_base_map_is_served_from_the_package_and_no_tile_layer_is_set_by_default(world):
    countries = world.client.get("/basemap/countries.json")
    assert countries.status_code == 200 and countries.headers["content-encoding"] == "gzip"
    assert countries.json()["objects"]["countries"]["type"] == "GeometryCollection"
    assert "states" in world.client.get("/basemap/us.json").json()["objects"]
    boston = world.client.get("/basemap/places/40_-80.json").json()
    assert ["Boston", 42.358, -71.06] == boston[[place[0] for place in boston].index("Boston")][:3]
    assert world.client.get("/basemap/places/-60_-150.json").json() == []  # open sea: no file, no places
    assert world.client.get("/basemap/../config/contextfeed.toml").status_code == 404
    assert world.client.get("/basemap/config").json() == {"tile_url": None, "tile_attribution": ""}
    assert "img-src 'self' data:;" in world.client.get("/").headers["content-security-policy"]


def test_a_configured_tile_layer_is_allowed_by_the_page_policy_and_nothing_else():
    from contextfeed.web import page_headers

    policy = page_headers("https://tile.example.org/{z}/{x}/{y}.png")["Content-Security-Policy"]
    assert "img-src 'self' data: https://tile.example.org;" in policy and "connect-src 'self';" in policy

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

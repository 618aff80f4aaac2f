"""The side panel served as a web page: `/` is the extension's panel.html (its links pointed at /static/), and
/static/ serves the panel's own files and nothing else from extension/."""
from server.config import REPO_ROOT

PANEL = REPO_ROOT / "extension" / "panel.html"


def test_root_is_the_panel_page_with_its_links_pointed_at_static(client) -> None:
    response = client.get("/")
    assert response.status_code == 200 and response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert '<base href="/static/">' in html
    assert html.replace('\n  <base href="/static/">', "", 1) == PANEL.read_text(encoding="utf-8")
    assert '<script src="panel.js"></script>' in html and '<script src="platform.js"></script>' in html
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "connect-src 'self' ws: wss:" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_static_serves_the_panels_files(client) -> None:
    for name, mimetype in [("panel.js", "text/javascript"), ("platform.js", "text/javascript"),
                           ("panel.css", "text/css")]:
        response = client.get(f"/static/{name}")
        assert response.status_code == 200 and response.mimetype == mimetype, name
        assert response.get_data() == (REPO_ROOT / "extension" / name).read_bytes()
        response.close()


def test_static_serves_nothing_else(client) -> None:
    for path in ["/static/manifest.json", "/static/options.js", "/static/background.js", "/static/README.md",
                 "/static/../server/config.py", "/static/%2e%2e/server/config.py", "/static/nope.js"]:
        response = client.get(path)
        assert response.status_code == 404, path
        assert response.get_json()["error"] == "not_found", path

"""The sandbox's administration (``/v1/admin``: wipe and reseed the database, push a refund
through review) and its API pages exist only where they should."""

from __future__ import annotations

from pathlib import Path

from backend_testkit import ADMIN_TOKEN, TOKEN, make_settings
from fastapi.testclient import TestClient

from backend.main import create_app

ADMIN_ROUTES = ("/v1/admin/demo/reset", "/v1/admin/refunds/RF2026112300001/advance")


def client(tmp_path: Path, **settings: object) -> TestClient:
    app = create_app(make_settings(f"sqlite:///{tmp_path / 'backend.db'}", **settings))
    return TestClient(app)


def test_admin_routes_exist_only_with_the_test_switch(tmp_path: Path):
    without = client(tmp_path, enable_test_endpoints=False)
    for path in ADMIN_ROUTES:
        for token in (ADMIN_TOKEN, TOKEN):
            refused = without.post(path, json={}, headers={"Authorization": f"Bearer {token}"})
            assert refused.status_code in (403, 404), (path, refused.text)
        reply = without.post(path, json={}, headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
        assert reply.status_code == 404, path
    paths = {route.path for route in client(tmp_path).app.routes}
    assert {"/v1/admin/demo/reset", "/v1/admin/refunds/{refund_id}/advance"} <= paths


def test_the_api_pages_are_off_in_production(tmp_path: Path):
    development = client(tmp_path, enable_test_endpoints=False)
    assert development.get("/openapi.json").status_code == 200
    production = client(tmp_path, enable_test_endpoints=False, environment="production")
    for path in ("/docs", "/redoc", "/openapi.json"):
        assert production.get(path).status_code == 404, path

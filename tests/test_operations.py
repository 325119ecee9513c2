"""Health, readiness, the OpenAPI schema and its docs page: public, no token needed."""

import json
import re


def test_healthz_answers_without_touching_the_database(anonymous):
    # No `db` fixture: pytest-django raises if anything here touches the database.
    response = anonymous.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_readyz_answers_when_the_database_does(anonymous, db):
    response = anonymous.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_the_openapi_schema_is_public_json_when_asked(anonymous, db):
    response = anonymous.get("/api/schema/?format=json")
    assert response.status_code == 200
    schema = json.loads(response.content)
    assert schema["openapi"].startswith("3.")
    paths = schema["paths"]
    assert {"/api/v1/articles/", "/api/v1/claims/", "/api/v1/claims/{claim_id}/"} <= set(paths)
    assert {"get", "patch", "delete"} <= set(paths["/api/v1/claims/{claim_id}/"])
    listed = {p["name"] for p in paths["/api/v1/claims/"]["get"]["parameters"]}
    assert {
        "article",
        "status",
        "rating",
        "claimant",
        "q",
        "updated_after",
        "ordering",
        "page_size",
    } <= listed
    assert schema["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"


def test_the_schema_defaults_to_yaml(anonymous, db):
    response = anonymous.get("/api/schema/")
    assert response.status_code == 200
    assert response.content.startswith(b"openapi: 3.")


def test_the_docs_page_loads_its_assets_locally(anonymous, db):
    response = anonymous.get("/api/docs/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "swagger-ui" in page
    assert "cdn.jsdelivr" not in page
    assets = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert any(asset.endswith(".js") for asset in assets), assets
    for asset in assets:
        assert asset.startswith("/"), asset  # a path on this host,
        assert not asset.startswith("//"), asset  # not on another
        served = anonymous.get(asset)
        assert served.status_code == 200, asset
        served.close()

"""Helpers for the programme and indicator tests: an organisation with a member of a given role,
programmes made through the API, and the shipped definitions read straight from their YAML."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from fastapi.testclient import TestClient

from web.helpers import api, person_with_org, post, sign_up

LIBRARY = Path(__file__).resolve().parents[2] / "library" / "indicators"


def shipped(indicator_id: str) -> dict[str, Any]:
    """The shipped definition of `indicator_id`, as its YAML file says."""
    data: dict[str, Any] = yaml.safe_load((LIBRARY / f"{indicator_id}.yaml").read_text("utf-8"))
    return data


def columns_of(indicator_id: str) -> list[str]:
    """The data columns a shipped indicator's inputs are read from, in declared order."""
    return [i.get("column", i["name"]) for i in shipped(indicator_id).get("inputs", [])]


def org_with_member(owner: TestClient, other: TestClient, role: str) -> int:
    """An organisation owned by `owner`'s person, with `other`'s person in it as `role`."""
    org = person_with_org(owner, "owner@example.kr", "가온텔레콤")
    sign_up(other, f"{role}@example.kr", name=f"{role} 님")
    added = post(owner, f"/orgs/{org}/members", {"email": f"{role}@example.kr", "role": role})
    assert added.status_code == 303, added.text
    return org


def new_programme(
    client: TestClient, org: int, name: str = "행복나눔 봉사단", **fields: Any
) -> dict:
    response = api(client, "POST", f"/api/v1/orgs/{org}/programmes", json={"name": name, **fields})
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def choose(client: TestClient, org: int, programme_id: int, indicator_id: str) -> Any:
    return api(
        client,
        "POST",
        f"/api/v1/orgs/{org}/programmes/{programme_id}/indicators",
        json={"indicator_id": indicator_id},
    )


def check(client: TestClient, org: int, definition: str, **extra: Any) -> Any:
    return api(
        client,
        "POST",
        f"/api/v1/orgs/{org}/indicators/check",
        json={"definition": definition, **extra},
    )

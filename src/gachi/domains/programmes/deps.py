"""Request dependencies that load a programme or an own indicator of the acting organisation.

Loaded before the request body is read, so another organisation's id is a 404 whatever was sent.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from gachi.db.models import CustomIndicator, Programme
from gachi.domains.programmes import own, service
from gachi.kernel.integers import WholeNumber, parse_whole
from gachi.web.deps import Viewer


def _programme(programme_id: WholeNumber, member: Viewer) -> Programme:
    return service.programme(member.repo, programme_id)


def _own(custom_id: WholeNumber, member: Viewer) -> CustomIndicator:
    return own.own_indicator(member.repo, custom_id)


ProgrammeRow = Annotated[Programme, Depends(_programme)]
OwnRow = Annotated[CustomIndicator, Depends(_own)]


def form_version(raw: str) -> int | None:
    """The hidden `version` field of a form (None if missing or not a number)."""
    return parse_whole(raw.strip())

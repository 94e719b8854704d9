"""The Korean demo of `gachi demo`: four fictional organisations with their people, programmes,
indicators from the shipped catalogue, 2022–2024 data and one measurement each.

Everything goes in through the same services a person's clicks go through (sign-up, organisation,
members, programmes, indicator choices, data cells, runs), so the demo is checked by the same
rules and leaves the same audit trail. Services flush; the caller commits once. The demo is
recognised by its business registration numbers and e-mail addresses: loading it again adds
nothing, and `reset_demo` removes exactly those organisations and people.

The telecom attaches a small PDF to one data cell and lets the foundation verify its evidence,
so that a verifier's login (owner@nuri.example) has something to see.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

import yaml
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from gachi.config import Settings
from gachi.db.base import utcnow
from gachi.db.models import Organisation, User
from gachi.db.tenancy import TenantRepository
from gachi.domains.accounts import service as accounts
from gachi.domains.data import service as data
from gachi.domains.demo.files import pdf
from gachi.domains.evidence import service as evidence
from gachi.domains.organisations import service as organisations
from gachi.domains.programmes import service as programmes
from gachi.domains.publishing import service as publishing
from gachi.domains.runs import service as runs
from gachi.domains.runs.compute import measure_organisation
from gachi.kernel.brn import check_digit
from gachi.kernel.i18n import t

Progress = Callable[[str], None]


@dataclass(frozen=True)
class Person:
    email: str
    name: str
    role: str  # owner | editor | viewer


@dataclass(frozen=True)
class DemoProgramme:
    name: str
    kind: str
    description: str
    indicators: tuple[str, ...]


@dataclass(frozen=True)
class DemoEvidence:
    """A file attached to a data cell: a one-page PDF showing `lines`."""

    programme: str
    period: int
    column: str
    filename: str
    note: str
    lines: tuple[str, ...]


@dataclass(frozen=True)
class DemoVerifier:
    organisation: str  # another demo organisation, granted access to the evidence
    note: str = ""


@dataclass(frozen=True)
class DemoOrganisation:
    name: str
    kind: str
    brn: str  # ten digits, check digit included
    region_sido: str
    region_sigungu: str
    industry: str
    people: tuple[Person, ...]
    programmes: tuple[DemoProgramme, ...]
    # (programme name, period, input column) -> value
    points: Mapping[tuple[str, int, str], float]
    # years to publish, peer_comparison, and a restatement: {year, reason, points}
    publish: Mapping[str, Any] = field(default_factory=dict)
    evidence: tuple[DemoEvidence, ...] = ()
    verifiers: tuple[DemoVerifier, ...] = ()

    def person(self, *roles: str) -> Person:
        """The first person with one of `roles`, in the order asked."""
        for role in roles:
            for p in self.people:
                if p.role == role:
                    return p
        raise LookupError(roles)


@dataclass(frozen=True)
class Demo:
    password: str
    organisations: tuple[DemoOrganisation, ...]

    @property
    def brns(self) -> tuple[str, ...]:
        return tuple(o.brn for o in self.organisations)

    @property
    def emails(self) -> tuple[str, ...]:
        return tuple(p.email for o in self.organisations for p in o.people)


@dataclass(frozen=True)
class DemoLogin:
    organisation: str
    email: str
    name: str
    role: str
    password: str


@dataclass(frozen=True)
class Loaded:
    already: bool  # it was there before: nothing was added
    organisations: int
    points: int
    runs: int
    logins: tuple[DemoLogin, ...]


@cache
def read_demo() -> Demo:
    """The demo as shipped in `data/organisations.yaml` and `data/records.csv`."""
    folder = resources.files("gachi.domains.demo") / "data"
    spec: dict[str, Any] = yaml.safe_load(
        (folder / "organisations.yaml").read_text(encoding="utf-8")
    )
    points: dict[str, dict[tuple[str, int, str], float]] = defaultdict(dict)
    text = (folder / "records.csv").read_text(encoding="utf-8")
    for row in csv.DictReader(io.StringIO(text, newline="")):
        key = (row["programme"], int(row["period"]), row["column"])
        points[row["organisation"]][key] = float(row["value"])
    orgs = []
    for o in spec["organisations"]:
        first_nine = str(o["brn_first_nine"])
        orgs.append(
            DemoOrganisation(
                name=o["name"],
                kind=o["kind"],
                brn=f"{first_nine}{check_digit(first_nine)}",
                region_sido=o["region_sido"],
                region_sigungu=o["region_sigungu"],
                industry=o["industry"],
                people=tuple(Person(**p) for p in o["people"]),
                programmes=tuple(
                    DemoProgramme(p["name"], p["kind"], p["description"], tuple(p["indicators"]))
                    for p in o["programmes"]
                ),
                points=points[o["name"]],
                publish=o.get("publish") or {},
                evidence=tuple(
                    DemoEvidence(**{**e, "lines": tuple(e["lines"])})
                    for e in o.get("evidence") or ()
                ),
                verifiers=tuple(DemoVerifier(**v) for v in o.get("verifiers") or ()),
            )
        )
    return Demo(str(spec["password"]), tuple(orgs))


def logins(demo: Demo | None = None) -> tuple[DemoLogin, ...]:
    """Who can sign in to the demo, with which password (printed by `gachi demo`)."""
    demo = demo or read_demo()
    return tuple(
        DemoLogin(o.name, p.email, p.name, p.role, demo.password)
        for o in demo.organisations
        for p in o.people
    )


def is_loaded(db: Session) -> bool:
    """Any demo organisation or person is in the database."""
    demo = read_demo()
    orgs = db.scalar(
        select(func.count()).select_from(Organisation).where(Organisation.brn.in_(demo.brns))
    )
    people = db.scalar(select(func.count()).select_from(User).where(User.email.in_(demo.emails)))
    return bool(orgs or people)


def reset_demo(db: Session) -> int:
    """Delete the demo organisations (their programmes, data, runs and audit log go with them,
    by the database's cascades) and the demo people; returns how many organisations went."""
    demo = read_demo()
    # Maintenance over the demo's own rows, found by their fixed numbers and addresses; not a
    # tenant's query.
    gone = db.execute(delete(Organisation).where(Organisation.brn.in_(demo.brns)))
    db.execute(delete(User).where(User.email.in_(demo.emails)))
    db.flush()
    db.expunge_all()
    return int(getattr(gone, "rowcount", 0) or 0)


def load_demo(
    db: Session,
    settings: Settings,
    *,
    draws: int | None = None,
    progress: Progress | None = None,
) -> Loaded:
    """Load the demo unless it is there already, then measure each organisation once (with
    `draws`, default `settings.draws`, so the dashboards show ranges). Flushes; the caller
    commits."""
    demo = read_demo()
    who = logins(demo)
    if is_loaded(db):
        return Loaded(True, 0, 0, 0, who)
    say = progress or (lambda _text: None)
    say(t("demo.step-people"))
    users = _people(db, demo)
    points = 0
    repos: dict[str, TenantRepository] = {}
    for o in demo.organisations:
        say(t("demo.step-data", organisation=o.name))
        repo = repos[o.name] = _organisation(db, o, users)
        points += _programmes_and_data(repo, settings, o, users)
        _evidence(repo, settings, o, users)
        say(t("demo.step-run", organisation=o.name))
        _measure(repo, settings, users[o.person("owner").email], draws)
        if o.publish:
            say(t("demo.step-publish", organisation=o.name))
            _publish(repo, settings, o, users, draws)
    _verifiers(demo, repos, users)
    # One run each, and one more for every restatement (measured again after the correction).
    measured = sum(1 + bool(o.publish.get("restatement")) for o in demo.organisations)
    return Loaded(False, len(demo.organisations), points, measured, who)


def _people(db: Session, demo: Demo) -> dict[str, User]:
    """Every demo person. The first signs up through the accounts service (its rules check the
    shared password); the others get the same argon2 hash, since they have the same published
    password and each hash costs a deliberate third of a second."""
    people = [p for o in demo.organisations for p in o.people]
    first = accounts.sign_up(db, accounts.SignUp(people[0].email, people[0].name, demo.password))
    users = {first.email: first}
    for p in people[1:]:
        user = User(
            email=accounts.normal_email(p.email),
            name=p.name,
            password_hash=first.password_hash,
            lang="ko",
        )
        db.add(user)
        users[user.email] = user
    db.flush()
    return users


def _organisation(db: Session, o: DemoOrganisation, users: Mapping[str, User]) -> TenantRepository:
    owner = users[o.person("owner").email]
    profile = organisations.Profile(
        name=o.name,
        kind=o.kind,
        brn=o.brn,
        region_sido=o.region_sido,
        region_sigungu=o.region_sigungu,
        industry=o.industry,
    )
    org = organisations.create(db, owner, profile)
    for p in o.people:
        if p.email != owner.email:
            organisations.set_member(db, owner, org.id, p.email, p.role)
    return TenantRepository(db, org.id)


def _programmes_and_data(
    repo: TenantRepository, settings: Settings, o: DemoOrganisation, users: Mapping[str, User]
) -> int:
    owner = users[o.person("owner").email]
    ids: dict[str, int] = {}
    for p in o.programmes:
        form = programmes.ProgrammeForm(name=p.name, kind=p.kind, description=p.description)
        row = programmes.create_programme(repo, owner, form)
        for indicator in p.indicators:
            programmes.choose_indicator(repo, settings, owner, row, indicator)
        ids[p.name] = row.id
    # The data is entered by the person whose job it is: the editor, else the owner.
    clerk = users[o.person("editor", "owner").email]
    changes = [
        data.Change(ids[programme], period, column, value)
        for (programme, period, column), value in sorted(o.points.items())
    ]
    saved = data.save_changes(repo, settings, clerk.id, changes)
    return saved.inserted


def _evidence(
    repo: TenantRepository, settings: Settings, o: DemoOrganisation, users: Mapping[str, User]
) -> None:
    """Attach the organisation's evidence files, uploaded by its editor (else its owner)."""
    if not o.evidence:
        return
    clerk = users[o.person("editor", "owner").email]
    ids = {p.name: p.id for p in programmes.programmes(repo)}
    for e in o.evidence:
        target = evidence.Target(
            "data_point", programme_id=ids[e.programme], period=e.period, input_name=e.column
        )
        evidence.upload(
            repo,
            settings,
            evidence.scanner_of(settings),
            clerk.id,
            target,
            e.filename,
            io.BytesIO(pdf(e.lines)),
            note=e.note,
        )


def _verifiers(
    demo: Demo, repos: Mapping[str, TenantRepository], users: Mapping[str, User]
) -> None:
    """Grant the verifier organisations access to the evidence, each by its owner, naming the
    verifier by its business registration number (as an owner does on the evidence page)."""
    brns = {o.name: o.brn for o in demo.organisations}
    for o in demo.organisations:
        owner = users[o.person("owner").email]
        for v in o.verifiers:
            evidence.grant_access(repos[o.name], owner.id, brns[v.organisation], None, v.note)


def _measure(repo: TenantRepository, settings: Settings, user: User, draws: int | None) -> None:
    """One run, computed here in the loader's transaction (the web's runner computes in a thread
    with transactions of its own, which would not see the demo before it is committed)."""
    run = runs.start_run(repo, user, settings, draws=draws, seed=1)
    run.status, run.stage, run.started_at = "running", "compute", utcnow()
    inputs = runs.load_inputs(repo, settings)
    measured = measure_organisation(
        inputs.catalog,
        inputs.chosen,
        inputs.frame,
        inputs.programmes,
        draws=run.draws or 0,
        seed=run.seed,
    )
    runs.store(repo, run, measured, inputs.programmes, inputs.data_version)


def _publish(
    repo: TenantRepository,
    settings: Settings,
    o: DemoOrganisation,
    users: Mapping[str, User],
    draws: int | None,
) -> None:
    """Publish the organisation's years; then, for a restatement, correct its data, measure
    again and publish the year again with the reason."""
    owner = users[o.person("owner").email]
    for year in o.publish.get("years", []):
        publishing.publish(repo, owner, settings, year=year)
    publishing.set_peer_comparison(repo, owner, bool(o.publish.get("peer_comparison")))
    restatement = o.publish.get("restatement")
    if not restatement:
        return
    ids = {p.name: p.id for p in programmes.programmes(repo)}
    year = int(restatement["year"])
    changes = []
    for point in restatement["points"]:
        pid = ids[point["programme"]]
        found = data.grid(repo, settings, pid).cells.get((year, point["column"]))
        version = found.version_id if found is not None else 0
        changes.append(data.Change(pid, year, point["column"], float(point["value"]), version))
    clerk = users[o.person("editor", "owner").email]
    data.save_changes(repo, settings, clerk.id, changes)
    _measure(repo, settings, owner, draws)
    publishing.publish(repo, owner, settings, year=year, reason=str(restatement["reason"]))

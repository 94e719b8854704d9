"""runs are numbered per organisation, and the database keeps one active run per organisation

Existing runs get their numbers per organisation in order of id. Of runs left queued or running
(a server stopped mid-run: the next start marks them interrupted anyway), all but each
organisation's newest are marked interrupted first, so the index can hold.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_ACTIVE = sa.text("status IN ('queued', 'running')")


def upgrade() -> None:
    with op.batch_alter_table("runs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("number", sa.Integer(), nullable=True))
    runs = sa.table(
        "runs",
        sa.column("id", sa.Integer),
        sa.column("organisation_id", sa.Integer),
        sa.column("number", sa.Integer),
        sa.column("status", sa.String),
        sa.column("stage", sa.String),
        sa.column("error", sa.JSON),
    )
    earlier = runs.alias("earlier")
    op.execute(
        runs.update().values(
            number=sa.select(sa.func.count())
            .select_from(earlier)
            .where(
                earlier.c.organisation_id == runs.c.organisation_id,
                earlier.c.id <= runs.c.id,
            )
            .scalar_subquery()
        )
    )
    newest_active = (
        sa.select(sa.func.max(earlier.c.id))
        .where(earlier.c.status.in_(("queued", "running")))
        .group_by(earlier.c.organisation_id)
    )
    op.execute(
        runs.update()
        .where(runs.c.status.in_(("queued", "running")), runs.c.id.not_in(newest_active))
        .values(
            status="failed",
            stage="failed",
            error={"code": "run.interrupted", "params": {}, "issues": []},
        )
    )
    with op.batch_alter_table("runs", schema=None) as batch_op:
        batch_op.alter_column("number", existing_type=sa.Integer(), nullable=False)
        batch_op.create_unique_constraint(
            batch_op.f("uq_runs_organisation_id_number"), ["organisation_id", "number"]
        )
    op.create_index(
        "uq_runs_one_active",
        "runs",
        ["organisation_id"],
        unique=True,
        sqlite_where=_ACTIVE,
        postgresql_where=_ACTIVE,
    )


def downgrade() -> None:
    op.drop_index("uq_runs_one_active", table_name="runs")
    with op.batch_alter_table("runs", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_runs_organisation_id_number"), type_="unique")
        batch_op.drop_column("number")

"""The arena's tables (SQLAlchemy Core), the same on SQLite and PostgreSQL."""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

annotators = sa.Table(
    "arena_annotators",
    metadata,
    sa.Column("id", sa.String, primary_key=True),
    sa.Column("name", sa.String, nullable=False, unique=True),
    sa.Column("password", sa.String, nullable=False),  # scrypt$n$r$p$salt$hash
    sa.Column("langs", sa.JSON, nullable=False),  # the languages they declared they judge
    sa.Column("granted", sa.JSON, nullable=False),  # the languages their invitation was for (admins: any)
    sa.Column("is_admin", sa.Boolean, nullable=False, default=False),
    sa.Column("created", sa.Double, nullable=False),
)
invitations = sa.Table(
    "arena_invitations",
    metadata,
    sa.Column("token_sha256", sa.String, primary_key=True),
    sa.Column("langs", sa.JSON, nullable=False),
    sa.Column("is_admin", sa.Boolean, nullable=False, default=False),
    sa.Column("created", sa.Double, nullable=False),
    sa.Column("expires", sa.Double, nullable=False),
    sa.Column("used_by", sa.String, sa.ForeignKey("arena_annotators.id")),
)
sessions = sa.Table(
    "arena_sessions",
    metadata,
    sa.Column("token_sha256", sa.String, primary_key=True),
    sa.Column("annotator_id", sa.String, sa.ForeignKey("arena_annotators.id"), nullable=False),
    sa.Column("csrf", sa.String, nullable=False),
    sa.Column("expires", sa.Double, nullable=False),
)
prompts = sa.Table(
    "arena_prompts",
    metadata,
    sa.Column("id", sa.String, primary_key=True),
    sa.Column("lang", sa.String, nullable=False, index=True),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("created", sa.Double, nullable=False),
)
battles = sa.Table(
    "arena_battles",
    metadata,
    sa.Column("id", sa.String, primary_key=True),
    sa.Column("lang", sa.String, nullable=False, index=True),
    sa.Column("prompt_id", sa.String),  # NULL: typed by the annotator
    sa.Column("prompt", sa.Text, nullable=False),
    sa.Column("model_a", sa.String, nullable=False),
    sa.Column("model_b", sa.String, nullable=False),
    sa.Column("answer_a", sa.Text),  # NULL while generating
    sa.Column("answer_b", sa.Text),
    sa.Column("error", sa.Text),  # why generation failed, if it did
    sa.Column("created", sa.Double, nullable=False),
)
# Who was shown which battle: an annotator may open and vote on only the battles served to them.
assignments = sa.Table(
    "arena_assignments",
    metadata,
    sa.Column("battle_id", sa.String, sa.ForeignKey("arena_battles.id"), primary_key=True),
    sa.Column("annotator_id", sa.String, sa.ForeignKey("arena_annotators.id"), primary_key=True),
    sa.Column("created", sa.Double, nullable=False),
)
votes = sa.Table(
    "arena_votes",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("battle_id", sa.String, sa.ForeignKey("arena_battles.id"), nullable=False),
    sa.Column("annotator_id", sa.String, sa.ForeignKey("arena_annotators.id"), nullable=False),
    sa.Column("winner", sa.String, nullable=False),
    sa.Column("tags", sa.JSON, nullable=False),
    sa.Column("correction", sa.Text),
    sa.Column("created", sa.Double, nullable=False),
    sa.UniqueConstraint("battle_id", "annotator_id", name="uq_arena_vote_once"),
)
settings = sa.Table(
    "arena_settings",
    metadata,
    sa.Column("key", sa.String, primary_key=True),
    sa.Column("value", sa.JSON, nullable=False),
)

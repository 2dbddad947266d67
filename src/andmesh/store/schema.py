"""Tables of the metadata store (SQLAlchemy Core). Changes go through Alembic migrations."""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

runs = sa.Table(
    "runs",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("mesh", sa.String(200), nullable=False),
    sa.Column("mesh_root", sa.Text, nullable=False),
    sa.Column("engine", sa.String(32), nullable=False),
    sa.Column("selection", sa.Text),
    sa.Column("status", sa.String(32), nullable=False),
    sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("finished_at", sa.DateTime(timezone=True)),
    sa.Column("summary", sa.JSON),
    # The audit log's head when the run ended, signed (migration 0008): an anchor outside the log.
    sa.Column("audit_count", sa.Integer),
    sa.Column("audit_last_seq", sa.Integer),
    sa.Column("audit_last_mac", sa.String(64)),
    sa.Column("audit_anchor_mac", sa.String(64)),
)

product_runs = sa.Table(
    "product_runs",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("run_id", sa.String(64), sa.ForeignKey("runs.id"), nullable=False, index=True),
    sa.Column("product_id", sa.String(200), nullable=False, index=True),
    sa.Column("table_id", sa.String(200), nullable=False),
    sa.Column("status", sa.String(32), nullable=False),
    sa.Column("rows", sa.BigInteger),
    sa.Column("seconds", sa.Float),
    sa.Column("version", sa.Integer),
    sa.Column("snapshot_id", sa.BigInteger),
    sa.Column("fingerprint", sa.String(64)),
    sa.Column("contract_version", sa.String(32)),
    sa.Column("message", sa.Text),
    sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("finished_at", sa.DateTime(timezone=True)),
)

check_results = sa.Table(
    "check_results",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("run_id", sa.String(64), sa.ForeignKey("runs.id"), nullable=False, index=True),
    sa.Column("product_id", sa.String(200), nullable=False),
    sa.Column("table_id", sa.String(200), nullable=False, index=True),
    sa.Column("check_id", sa.String(300), nullable=False),
    sa.Column("kind", sa.String(64), nullable=False),
    sa.Column("property", sa.String(200)),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("severity", sa.String(16), nullable=False),
    sa.Column("measured", sa.JSON),
    sa.Column("threshold", sa.JSON),
    sa.Column("message", sa.Text),
    sa.Column("query", sa.Text),
)

incidents = sa.Table(
    "incidents",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("run_id", sa.String(64), sa.ForeignKey("runs.id"), nullable=False, index=True),
    sa.Column("product_id", sa.String(200), nullable=False, index=True),
    sa.Column("table_id", sa.String(200)),
    sa.Column("kind", sa.String(64), nullable=False),
    sa.Column("message", sa.Text, nullable=False),
    sa.Column("details", sa.JSON),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)

published_contracts = sa.Table(
    "published_contracts",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("table_id", sa.String(200), nullable=False, index=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("contract_id", sa.String(200), nullable=False),
    sa.Column("contract_version", sa.String(32), nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("run_id", sa.String(64), nullable=False),
    sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
    sa.UniqueConstraint("table_id", "version", name="uq_published_contracts_version"),
)

# --- governance (migration 0003) ------------------------------------------------------------

proposals = sa.Table(
    "proposals",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("kind", sa.String(32), nullable=False, index=True),
    sa.Column("subject", sa.String(300), nullable=False, index=True),
    sa.Column("domain", sa.String(200)),
    sa.Column("product_id", sa.String(200)),
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("details", sa.JSON),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("created_by", sa.String(200), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("decided_at", sa.DateTime(timezone=True)),
)

votes = sa.Table(
    "votes",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("proposal_id", sa.Integer, sa.ForeignKey("proposals.id"), nullable=False, index=True),
    sa.Column("voter", sa.String(200), nullable=False),
    sa.Column("decision", sa.String(16), nullable=False),
    sa.Column("roles", sa.JSON),
    sa.Column("comment", sa.Text),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.UniqueConstraint("proposal_id", "voter", name="uq_votes_voter"),
)

audit_log = sa.Table(
    "audit_log",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("actor", sa.String(200), nullable=False),
    sa.Column("action", sa.String(64), nullable=False),
    sa.Column("subject", sa.String(300), nullable=False),
    sa.Column("details", sa.JSON),
    sa.Column("prev_hash", sa.String(64), nullable=False),
    sa.Column("hash", sa.String(64), nullable=False),
    # Migration 0008: gapless sequence number, and how ``hash`` was made: "hmac-sha256" (keyed)
    # or "sha256" (written before 0008, sealed by the first keyed entry).
    sa.Column("seq", sa.Integer, unique=True),
    sa.Column("scheme", sa.String(16)),
)

access_requests = sa.Table(
    "access_requests",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("table_id", sa.String(200), nullable=False, index=True),
    sa.Column("consumer", sa.String(200), nullable=False, index=True),
    sa.Column("consumer_kind", sa.String(16), nullable=False),
    sa.Column("purpose", sa.Text, nullable=False),
    sa.Column("pii", sa.Boolean, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("requested_by", sa.String(200), nullable=False),
    sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("owner_decision_by", sa.String(200)),
    sa.Column("owner_decision_at", sa.DateTime(timezone=True)),
    sa.Column("proposal_id", sa.Integer),
    sa.Column("expires_at", sa.DateTime(timezone=True)),
    sa.Column("revoked_by", sa.String(200)),
    sa.Column("revoked_at", sa.DateTime(timezone=True)),
)

policy_results = sa.Table(
    "policy_results",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("run_id", sa.String(64), index=True),
    sa.Column("evaluated_at", sa.DateTime(timezone=True), nullable=False, index=True),
    sa.Column("policy", sa.String(200), nullable=False),
    sa.Column("severity", sa.String(8), nullable=False),
    sa.Column("product_id", sa.String(200), nullable=False),
    sa.Column("domain", sa.String(200), nullable=False),
    sa.Column("status", sa.String(8), nullable=False),
    sa.Column("messages", sa.JSON),
)

# --- reuse ledger (migration 0004) ------------------------------------------------------------

reads = sa.Table(
    "reads",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("table_id", sa.String(200), nullable=False, index=True),
    sa.Column("version", sa.Integer),
    sa.Column("consumer", sa.String(200), nullable=False, index=True),
    sa.Column("purpose", sa.Text),
    sa.Column("run_id", sa.String(64), index=True),
    sa.Column("bytes", sa.BigInteger),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
)

# --- entity resolution: stewards' decisions (migration 0005) ---------------------------------

entity_decisions = sa.Table(
    "entity_decisions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("entity", sa.String(100), nullable=False, index=True),
    sa.Column("pair_id", sa.String(16), nullable=False, index=True),
    sa.Column("left_source", sa.String(200), nullable=False),
    sa.Column("left_record", sa.String(200), nullable=False),
    sa.Column("right_source", sa.String(200), nullable=False),
    sa.Column("right_record", sa.String(200), nullable=False),
    sa.Column("decision", sa.String(16), nullable=False),
    sa.Column("decided_by", sa.String(200), nullable=False),
    sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("note", sa.Text),
    sa.Column("probability", sa.Float),
    sa.Column("model_version", sa.String(32)),
    sa.Column("run_id", sa.String(64)),
)

# --- enterprise scores: every run of every score version (migration 0006) ---------------------

score_runs = sa.Table(
    "score_runs",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("score", sa.String(100), nullable=False, index=True),
    sa.Column("version", sa.String(32), nullable=False),
    sa.Column("method", sa.String(100), nullable=False),
    sa.Column("method_version", sa.String(32), nullable=False),
    sa.Column("role", sa.String(16), nullable=False),  # served | shadow
    sa.Column("status", sa.String(16), nullable=False),  # succeeded | failed
    sa.Column("as_of", sa.Date, nullable=False, index=True),
    sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("seconds", sa.Float),
    sa.Column("customers", sa.Integer),
    sa.Column("scored", sa.Integer),
    sa.Column("inputs", sa.JSON),  # product versions read: table id → version, snapshot
    sa.Column("entity_model_version", sa.String(64)),
    sa.Column("code_version", sa.String(64)),
    sa.Column("spec_hash", sa.String(64)),
    sa.Column("parameters", sa.JSON),
    sa.Column("fit_path", sa.Text),
    sa.Column("fit_sha256", sa.String(64)),
    sa.Column("baseline", sa.JSON),  # distribution and band shares; PSI against the fit run
    sa.Column("output_path", sa.Text),
    sa.Column("mesh_run_id", sa.String(64)),
    sa.Column("error", sa.Text),
)

# --- content fingerprints (migration 0009) --------------------------------------------------

file_digests = sa.Table(
    "file_digests",
    metadata,
    sa.Column("path", sa.Text, primary_key=True),
    sa.Column("size", sa.BigInteger, nullable=False),
    sa.Column("mtime_ns", sa.BigInteger, nullable=False),
    sa.Column("inode", sa.BigInteger, nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("hashed_at", sa.DateTime(timezone=True), nullable=False),
)

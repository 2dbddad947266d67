"""API tokens: random, prefixed, shown once; only a SHA-256 of the token is stored.

A token belongs to one member (a person or a service account), carries scopes that can only
narrow what its member may do, and always expires. ``andm_<12 chars>_<secret>``: the first part
is the public prefix people see in listings, the whole string is the secret.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Any

import sqlalchemy as sa
from pydantic import BaseModel, Field

from andmesh.store.reading import reading
from andmesh.store.schema import metadata

PREFIX = "andm_"
SCOPES = ("read", "request", "decide", "publish", "admin")

api_tokens = sa.Table(
    "api_tokens",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("prefix", sa.String(32), nullable=False, unique=True),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("username", sa.String(200), nullable=False, index=True),
    sa.Column("label", sa.String(200)),
    sa.Column("scopes", sa.JSON, nullable=False),
    sa.Column("created_by", sa.String(200), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("revoked_at", sa.DateTime(timezone=True)),
    sa.Column("revoked_by", sa.String(200)),
    sa.Column("last_used_at", sa.DateTime(timezone=True)),
)


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value


def token_hash(token: str) -> str:
    """What the store keeps of a token: its SHA-256 (a token has 192 random bits, so no salt is needed).

    >>> len(token_hash("andm_x_y"))
    64
    """
    return hashlib.sha256(token.encode()).hexdigest()


class ApiToken(BaseModel):
    id: int
    prefix: str = Field(description="The public part of the token, shown in listings.")
    username: str
    label: str | None
    scopes: list[str]
    created_by: str
    created_at: dt.datetime
    expires_at: dt.datetime
    revoked_at: dt.datetime | None = None
    revoked_by: str | None = None
    last_used_at: dt.datetime | None = None

    def active(self, at: dt.datetime) -> bool:
        return self.revoked_at is None and at < self.expires_at


class IssuedToken(BaseModel):
    token: str = Field(description="The secret: shown once, never stored.")
    record: ApiToken


def _row(row: Any) -> ApiToken:
    data = dict(row._mapping)
    data.pop("token_hash", None)
    for key in ("created_at", "expires_at", "revoked_at", "last_used_at"):
        data[key] = _aware(data[key])
    return ApiToken(**data)


class TokenStore:
    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine

    def issue(
        self,
        username: str,
        *,
        created_by: str,
        days: int,
        scopes: list[str],
        label: str | None = None,
    ) -> IssuedToken:
        public = secrets.token_urlsafe(9)[:12].replace("_", "x").replace("-", "y")
        token = f"{PREFIX}{public}_{secrets.token_urlsafe(24)}"
        now = dt.datetime.now(dt.UTC)
        with self.engine.begin() as c:
            tid = c.execute(
                api_tokens.insert().values(
                    prefix=f"{PREFIX}{public}",
                    token_hash=token_hash(token),
                    username=username,
                    label=label,
                    scopes=sorted(scopes),
                    created_by=created_by,
                    created_at=now,
                    expires_at=now + dt.timedelta(days=days),
                )
            ).inserted_primary_key
            assert tid is not None
            row = c.execute(api_tokens.select().where(api_tokens.c.id == tid[0])).one()
        return IssuedToken(token=token, record=_row(row))

    def lookup(self, token: str) -> ApiToken | None:
        """The token's record (active or not), or None when no such token was ever issued."""
        with reading(self.engine) as c:
            row = c.execute(api_tokens.select().where(api_tokens.c.token_hash == token_hash(token))).first()
        return _row(row) if row else None

    def touch(self, token_id: int) -> None:
        with self.engine.begin() as c:
            c.execute(
                api_tokens.update()
                .where(api_tokens.c.id == token_id)
                .values(last_used_at=dt.datetime.now(dt.UTC))
            )

    def tokens(self, username: str | None = None) -> list[ApiToken]:
        query = api_tokens.select().order_by(api_tokens.c.id)
        if username is not None:
            query = query.where(api_tokens.c.username == username)
        with reading(self.engine) as c:
            return [_row(r) for r in c.execute(query)]

    def get(self, ref: str) -> ApiToken | None:
        """A token by its number or its public prefix."""
        query = api_tokens.select()
        query = (
            query.where(api_tokens.c.id == int(ref))
            if ref.isdigit()
            else query.where(api_tokens.c.prefix == ref)
        )
        with reading(self.engine) as c:
            row = c.execute(query).first()
        return _row(row) if row else None

    def revoke(self, token_id: int, by: str) -> ApiToken:
        with self.engine.begin() as c:
            c.execute(
                api_tokens.update()
                .where(api_tokens.c.id == token_id, api_tokens.c.revoked_at.is_(None))
                .values(revoked_at=dt.datetime.now(dt.UTC), revoked_by=by)
            )
            row = c.execute(api_tokens.select().where(api_tokens.c.id == token_id)).one()
        return _row(row)

"""Who signed in through the identity provider: each (issuer, subject) bound to one username.

The first sign-in of an identity binds it to the username its claim gives; afterwards that
username answers to that identity only. A second identity presenting the same name (another
account at the provider, or another provider) is refused: a name is never an identity.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from pydantic import BaseModel

from andmesh.store.reading import reading
from andmesh.store.schema import metadata

oidc_identities = sa.Table(
    "oidc_identities",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("issuer", sa.String(500), nullable=False),
    sa.Column("subject", sa.String(255), nullable=False),
    sa.Column("username", sa.String(200), nullable=False, unique=True),
    sa.Column("email", sa.String(320)),
    sa.Column("name", sa.String(200)),
    sa.Column("idp_groups", sa.JSON, nullable=False),
    sa.Column("first_seen", sa.DateTime(timezone=True), nullable=False),
    sa.Column("last_seen", sa.DateTime(timezone=True), nullable=False),
    sa.UniqueConstraint("issuer", "subject", name="uq_oidc_identities_subject"),
)


class Identity(BaseModel):
    id: int
    issuer: str
    subject: str
    username: str
    email: str | None = None
    name: str | None = None
    idp_groups: list[str]
    first_seen: dt.datetime
    last_seen: dt.datetime


def _row(row: Any) -> Identity:
    data = dict(row._mapping)
    for key in ("first_seen", "last_seen"):
        if data[key].tzinfo is None:
            data[key] = data[key].replace(tzinfo=dt.UTC)
    return Identity(**data)


class IdentityStore:
    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine

    def by_subject(self, issuer: str, subject: str) -> Identity | None:
        t = oidc_identities
        with reading(self.engine) as c:
            row = c.execute(t.select().where(t.c.issuer == issuer, t.c.subject == subject)).first()
        return _row(row) if row else None

    def by_username(self, username: str) -> Identity | None:
        t = oidc_identities
        with reading(self.engine) as c:
            row = c.execute(t.select().where(t.c.username == username)).first()
        return _row(row) if row else None

    def bind(
        self,
        issuer: str,
        subject: str,
        username: str,
        *,
        email: str | None,
        name: str | None,
        idp_groups: list[str],
    ) -> Identity:
        """Record a first sign-in. The unique constraints make a race between two identities for
        one name end with exactly one binding (the loser's insert fails)."""
        now = dt.datetime.now(dt.UTC)
        with self.engine.begin() as c:
            c.execute(
                oidc_identities.insert().values(
                    issuer=issuer,
                    subject=subject,
                    username=username,
                    email=email,
                    name=name,
                    idp_groups=sorted(idp_groups),
                    first_seen=now,
                    last_seen=now,
                )
            )
        found = self.by_subject(issuer, subject)
        assert found is not None
        return found

    def seen(self, identity_id: int, *, idp_groups: list[str], email: str | None, name: str | None) -> None:
        with self.engine.begin() as c:
            c.execute(
                oidc_identities.update()
                .where(oidc_identities.c.id == identity_id)
                .values(
                    last_seen=dt.datetime.now(dt.UTC), idp_groups=sorted(idp_groups), email=email, name=name
                )
            )

    def all(self) -> list[Identity]:
        with reading(self.engine) as c:
            return [_row(r) for r in c.execute(oidc_identities.select().order_by(oidc_identities.c.id))]

"""Cursor pagination, the same on every list: ``?limit=N&cursor=…`` in, ``{items, next}`` out.

A cursor is opaque to clients: the sort key of the last item sent, and the list it belongs to.
Keyset paging (``key > last``) loses and repeats nothing when items are added between two
pages, where an offset would shift.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel, Field

from andmesh.errors import UsageError

T = TypeVar("T")
Key = tuple[Any, ...]

DEFAULT_LIMIT = 50
MAX_LIMIT = 500

Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Items per page.")]
Cursor = Annotated[str | None, Query(description="The `next` of the previous page; none for the first.")]


class Page(BaseModel, Generic[T]):
    items: list[T]
    next: str | None = Field(None, description="Pass as `cursor` for the next page; null on the last.")
    limit: int


def encode(scope: str, key: Key) -> str:
    raw = json.dumps([scope, list(key)], separators=(",", ":"), default=str).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(scope: str, cursor: str) -> Key:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        kind, key = json.loads(raw)
    except (binascii.Error, ValueError, TypeError) as exc:
        raise UsageError("the cursor is not one this server gave", hint="pass a page's `next` as is") from exc
    if kind != scope or not isinstance(key, list):
        raise UsageError(
            f"the cursor belongs to another list ({kind}), not {scope}",
            hint="pass the `next` of a page of this same list",
        )
    return tuple(key)


def paginate(
    items: Sequence[T],
    *,
    scope: str,
    key: Callable[[T], Key],
    cursor: str | None,
    limit: int,
    follow: bool = False,
) -> Page[T]:
    """One page of ``items`` ordered by ``key`` (unique per item), after ``cursor``.

    ``follow`` (a feed): ``next`` is never null, so a client polls it for what comes later; an
    empty page means nothing new yet.
    """
    ordered = sorted(items, key=key)
    if cursor:
        after = decode(scope, cursor)
        ordered = [item for item in ordered if _comparable(key(item)) > _comparable(after)]
    page = ordered[:limit]
    more = len(ordered) > limit
    following: str | None = None
    if page and (more or follow):
        following = encode(scope, key(page[-1]))
    elif follow:
        following = cursor or encode(scope, (0,))
    return Page(items=list(page), next=following, limit=limit)


def _comparable(key: Key) -> tuple[Any, ...]:
    # A key came back through JSON as lists and strings; compare like with like.
    return tuple(json.loads(json.dumps(list(key), default=str)))

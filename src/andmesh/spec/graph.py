"""Dependency order of products, and the cycle that prevents one."""

from __future__ import annotations

from collections.abc import Mapping, Sequence


def topological_order(edges: Mapping[str, Sequence[str]]) -> tuple[list[str], list[str] | None]:
    """Order nodes so every node comes after its upstream; or return a cycle.

    ``edges`` maps each node to the nodes it depends on. Ties are broken by name so the
    order is stable.

    >>> topological_order({"b": ["a"], "a": [], "c": ["b", "a"]})
    (['a', 'b', 'c'], None)
    >>> topological_order({"a": ["b"], "b": ["a"]})[1]
    ['a', 'b', 'a']
    """
    order: list[str] = []
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        if state.get(node) == 2:
            return None
        if state.get(node) == 1:
            return [*stack[stack.index(node) :], node]
        state[node] = 1
        stack.append(node)
        for upstream in sorted(edges.get(node, ())):
            if upstream in edges:
                cycle = visit(upstream)
                if cycle is not None:
                    return cycle
        stack.pop()
        state[node] = 2
        order.append(node)
        return None

    for node in sorted(edges):
        cycle = visit(node)
        if cycle is not None:
            return order, cycle
    return order, None


def with_upstream(edges: Mapping[str, Sequence[str]], selected: set[str]) -> set[str]:
    """``selected`` plus everything it transitively depends on.

    >>> sorted(with_upstream({"c": ["b"], "b": ["a"], "a": []}, {"c"}))
    ['a', 'b', 'c']
    """
    todo = list(selected)
    seen = set(selected)
    while todo:
        for upstream in edges.get(todo.pop(), ()):
            if upstream not in seen:
                seen.add(upstream)
                todo.append(upstream)
    return seen


def with_downstream(edges: Mapping[str, Sequence[str]], selected: set[str]) -> set[str]:
    """``selected`` plus everything that transitively depends on it.

    >>> sorted(with_downstream({"c": ["b"], "b": ["a"], "a": []}, {"b"}))
    ['b', 'c']
    """
    reverse: dict[str, list[str]] = {}
    for node, ups in edges.items():
        for up in ups:
            reverse.setdefault(up, []).append(node)
    return with_upstream(reverse, selected)

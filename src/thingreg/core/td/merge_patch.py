"""JSON Merge Patch (RFC 7396): applying a patch, and computing the patch between two documents."""

from __future__ import annotations

from typing import Any


def apply_merge_patch(target: Any, patch: Any) -> Any:
    """The result of applying ``patch`` to ``target`` (RFC 7396 section 2); inputs are unchanged."""
    if not isinstance(patch, dict):
        return patch
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = apply_merge_patch(result.get(key), value)
    return result


def create_merge_patch(before: Any, after: Any) -> Any:
    """A patch that turns ``before`` into ``after``: only what changed, ``null`` for removals.

    Arrays are replaced whole, as RFC 7396 prescribes. A value that is ``null`` in ``after``
    cannot be expressed by a merge patch; it is sent as removal, which is the closest meaning.
    """
    if not isinstance(before, dict) or not isinstance(after, dict):
        return after
    patch: dict[str, Any] = {}
    for key in before.keys() - after.keys():
        patch[key] = None
    for key, value in after.items():
        if key not in before:
            patch[key] = value
        elif before[key] != value or type(before[key]) is not type(value):
            if isinstance(value, dict) and isinstance(before[key], dict):
                patch[key] = create_merge_patch(before[key], value)
            else:
                patch[key] = value
    return patch

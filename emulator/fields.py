"""Partial responses: Google's ``fields`` parameter (``files(id,name),nextPageToken``)."""

from __future__ import annotations

from typing import Any

Mask = dict[str, Any]  # name -> True (whole value) or a nested Mask


class FieldsError(ValueError):
    """The ``fields`` expression does not parse."""


def parse_fields(expr: str) -> Mask:
    """Parse a fields expression into a nested mask. Raises FieldsError on bad syntax."""
    pos = 0
    text = expr.replace(" ", "")

    def parse_list() -> Mask:
        nonlocal pos
        mask: Mask = {}
        while True:
            start = pos
            while pos < len(text) and text[pos] not in ",()":
                pos += 1
            path = text[start:pos]
            if not path or any(not part for part in path.split("/")):
                raise FieldsError(f"Invalid field selection {expr}")
            sub: Any = True
            if pos < len(text) and text[pos] == "(":
                pos += 1
                sub = parse_list()
                if pos >= len(text) or text[pos] != ")":
                    raise FieldsError(f"Invalid field selection {expr}")
                pos += 1
            node = mask
            parts = path.split("/")
            for part in parts[:-1]:
                nxt = node.get(part)
                if nxt is True:
                    break
                if nxt is None:
                    nxt = node[part] = {}
                node = nxt
            else:
                last = parts[-1]
                if isinstance(sub, dict) and isinstance(node.get(last), dict):
                    node[last].update(sub)
                elif node.get(last) is not True:
                    node[last] = sub
            if pos < len(text) and text[pos] == ",":
                pos += 1
                continue
            return mask

    if not text:
        raise FieldsError("Invalid field selection")
    mask = parse_list()
    if pos != len(text):
        raise FieldsError(f"Invalid field selection {expr}")
    return mask


def apply_mask(value: Any, mask: Mask | bool) -> Any:
    """Keep only the masked parts of ``value`` (lists are masked element-wise)."""
    if mask is True:
        return value
    if isinstance(value, list):
        return [apply_mask(v, mask) for v in value]
    if not isinstance(value, dict):
        return value
    if "*" in mask and mask["*"] is True:
        return value
    out = {}
    for key, sub in mask.items():
        if key in value:
            out[key] = apply_mask(value[key], sub)
    return out

"""Request parsing for the API: JSON with a nesting limit."""

from typing import Any

from rest_framework import exceptions, parsers

MAX_JSON_DEPTH = 32


class DepthLimitedJSONParser(parsers.JSONParser):
    """JSON nested deeper than MAX_JSON_DEPTH (no request needs more than a few levels) is a 400, never a
    RecursionError."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise _too_deep() from None
        if _depth(data) > MAX_JSON_DEPTH:
            raise _too_deep()
        return data


def _too_deep() -> exceptions.ParseError:
    return exceptions.ParseError(f"JSON parse error - nested more than {MAX_JSON_DEPTH} levels deep.")


def _depth(data: Any) -> int:
    """How deeply lists and objects nest, without recursion."""
    deepest, stack = 0, [(data, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict):
            item = list(item.values())
        if isinstance(item, list):
            deepest = max(deepest, level)
            if level > MAX_JSON_DEPTH:
                return level
            stack.extend((child, level + 1) for child in item)
    return deepest

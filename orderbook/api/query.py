"""Query-string parsing for the market API, with the reference server's messages."""

from dataclasses import dataclass

from marketplace.chain.parse import InputInvalid, address_parse, bytes32_parse, uint_parse
from orderbook.selectors import ANY

DEFAULT_PAGE_SIZE = 20


@dataclass
class Page:
    offset: int
    limit: int


class Query:
    def __init__(self, params):
        self.params = params

    def raw(self, name: str) -> str | None:
        value = self.params.get(name)
        return None if value in (None, "") else value

    def address(self, name: str, *, allow_any: bool = False) -> str | None:
        value = self.raw(name)
        if value is None:
            return None
        if allow_any and value == ANY:
            return ANY
        return address_parse(name, value)

    def uint(self, name: str, *, minimum: int = 0) -> int | None:
        value = self.raw(name)
        return None if value is None else uint_parse(name, value, minimum=minimum)

    def bytes32(self, name: str) -> str | None:
        value = self.raw(name)
        return None if value is None else bytes32_parse(name, value)

    def boolean(self, name: str) -> bool:
        value = self.raw(name)
        if value in (None, "false"):
            return False
        if value == "true":
            return True
        raise InputInvalid(f"{name} must be a `boolean` type")

    def required(self, name: str, value):
        if value is None:
            raise InputInvalid(f"{name} is a required field")
        return value

    def page(self) -> Page:
        """pageIndex/pageSize, or the legacy `page` (a raw offset with 20 per page)."""
        if self.raw("pageIndex") is not None or self.raw("pageSize") is not None:
            size = self.uint("pageSize")
            if size is not None and size < 10:
                raise InputInvalid("pageSize must be greater than or equal to 10")
            if size is not None and size > 1000:
                raise InputInvalid("pageSize must be less than or equal to 1000")
            size = size or DEFAULT_PAGE_SIZE
            index = self.uint("pageIndex") or 0
            return Page(offset=index * size, limit=size)
        return Page(offset=self.uint("page") or 0, limit=DEFAULT_PAGE_SIZE)

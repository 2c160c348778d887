"""The one refusal type: what a request may not do, with its HTTP status and the client's message.

Parsers (marketplace.chain.parse) and services raise it or a subclass; each API family turns it
into its own error shape in one place: the market API (orderbook.api.errors), the read API
(marketplace.api.errors) and the pages' wallet calls (marketplace.web.json).
"""


class Refusal(Exception):
    status = 400

    def __init__(self, message: str, *, status: int | None = None):
        super().__init__(message)
        self.message = message
        if status is not None:
            self.status = status

from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination


class Pagination(PageNumberPagination):
    """Pages of `count`, `next`, `previous` and `results`, sized by `pageSize`."""

    page_size = 20
    page_size_query_param = "pageSize"
    max_page_size = 1000
    page_size_query_description = f"Results per page: 1 to {max_page_size}, default {page_size}."

    def get_page_size(self, request):
        # DRF silently falls back to the default on a bad size; a client would not notice.
        text = request.query_params.get(self.page_size_query_param)
        if text is None:
            return self.page_size
        if not text.isdecimal() or not 1 <= int(text) <= self.max_page_size:
            message = f"Must be an integer from 1 to {self.max_page_size}."
            raise ValidationError({self.page_size_query_param: [message]})
        return int(text)

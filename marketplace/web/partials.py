"""One view serves a page and its `{% partialdef %}` fragments."""


def page_or_fragment(request, template: str, *fragments: str) -> str:
    """The template to render: the fragment htmx asks for with ?partial=<name> when the page
    has it, else the whole page."""
    name = request.GET.get("partial")
    return f"{template}#{name}" if name in fragments else template

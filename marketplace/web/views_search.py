"""Search by address, deal id, task id or transaction hash: straight to the page when one thing
matches, a list otherwise. Each hit's kind is the name of its page's URL."""

from django.shortcuts import redirect, render

from marketplace.selectors.search import search
from marketplace.web.site import site_chain_id


def search_page(request):
    query = request.GET.get("q", "")[:200]
    hits = search(chain_id=site_chain_id(), query=query) if query else []
    if len(hits) == 1:
        return redirect(hits[0].kind, hits[0].key)
    return render(
        request,
        "marketplace/search.html",
        {"query": query, "hits": hits},
        status=200 if hits or not query else 404,
    )

"""Deals and tasks: the list (and a signed-in requester's own), a deal's page and a task's live
timeline. Each page also serves its live fragment (`?partial=`)."""

from typing import Any

from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render

from marketplace.models import Deal, Task
from marketplace.selectors import deals as selectors_deals
from marketplace.selectors import entities as selectors
from marketplace.web.json import signed_in
from marketplace.web.partials import page_or_fragment
from marketplace.web.site import site_chain_id
from marketplace.web.validators import address_or_404, bytes32_or_404

LIST_FILTERS = {"requester": "requester", "workerpool": "workerpool", "app": "app"}


def deals_page(request, *, mine: bool = False):
    chain_id = site_chain_id()
    filters: dict[str, Any] = {}
    for param, name in LIST_FILTERS.items():
        if request.GET.get(param):
            filters[name] = address_or_404(request.GET[param], name=param)
    category = request.GET.get("category", "")
    if category.isdigit():
        filters["category"] = int(category)
    if mine:
        wallet = signed_in(request)
        if not wallet:
            return redirect("deals")
        filters["requester"] = wallet
    page = Paginator(selectors.deals_list(chain_id=chain_id, **filters), 25).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("partial", None)
    context = {
        "nav": "mine" if mine else "deals",
        "page": page,
        "filters": filters,
        "mine": mine,
        "extra_query": query.urlencode(),
    }
    return render(request, page_or_fragment(request, "marketplace/deals.html", "list"), context)


def deal_page(request, dealid):
    chain_id = site_chain_id()
    dealid = bytes32_or_404(dealid, name="dealid")
    try:
        deal = selectors.deal_get(chain_id=chain_id, dealid=dealid)
    except Deal.DoesNotExist:
        raise Http404(f"no deal {dealid} is indexed") from None
    view = selectors_deals.deal_view(chain_id=chain_id, deal=deal)
    context = {
        "nav": "deals",
        "view": view,
        "deal": deal,
        "is_requester": signed_in(request) == deal.requester,
    }
    return render(request, page_or_fragment(request, "marketplace/deal.html", "progress"), context)


def task_page(request, taskid):
    chain_id = site_chain_id()
    taskid = bytes32_or_404(taskid, name="taskid")
    try:
        task = selectors.task_get(chain_id=chain_id, taskid=taskid)
    except Task.DoesNotExist:
        raise Http404(f"no task {taskid} is indexed (tasks appear once initialized)") from None
    view = selectors_deals.deal_view(
        chain_id=chain_id, deal=selectors.deal_get(chain_id=chain_id, dealid=task.deal.dealid)
    )
    slot = next(s for s in view.slots if s.taskid == taskid)
    return render(
        request,
        page_or_fragment(request, "marketplace/task.html", "timeline"),
        {
            "nav": "deals",
            "task": task,
            "slot": slot,
            "view": view,
            "steps": selectors_deals.task_timeline(chain_id=chain_id, taskid=taskid),
            "results": selectors_deals.task_results(task),
        },
    )

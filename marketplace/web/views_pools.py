"""Worker pools: the list, a pool's page (policy, access, orders, outcomes, workers) and the
owner's edit of what requesters choose pools by."""

from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render

from marketplace.models import Workerpool
from marketplace.selectors import entities as selectors
from marketplace.selectors import pools as selectors_pools
from marketplace.services import NotOwner, profile_values, workerpool_profile_update
from marketplace.web.forms import WorkerpoolProfileForm
from marketplace.web.json import signed_in
from marketplace.web.site import site_chain_id
from marketplace.web.validators import address_or_404
from orderbook.selectors import open_orders


def pools_page(request):
    chain_id = site_chain_id()
    page = Paginator(selectors_pools.pools_list(chain_id=chain_id), 25).get_page(
        request.GET.get("page")
    )
    addresses = [p.address for p in page]
    return render(
        request,
        "marketplace/pools.html",
        {
            "nav": "pools",
            "page": page,
            "deals": selectors_pools.deals_served(chain_id=chain_id, addresses=addresses),
            "profiles": selectors_pools.profiles(chain_id=chain_id, addresses=addresses),
        },
    )


def pool_page(request, address):
    chain_id = site_chain_id()
    address = address_or_404(address)
    try:
        pool = selectors.workerpool_get(chain_id=chain_id, address=address)
    except Workerpool.DoesNotExist:
        raise Http404(f"no workerpool {address} is indexed") from None
    wallet = signed_in(request)
    profile = selectors_pools.profiles(chain_id=chain_id, addresses=[address]).get(address)
    form, saved = None, False
    if wallet == pool.owner:
        form = WorkerpoolProfileForm(instance=profile)
        if request.method == "POST":
            form, saved = _profile_save(request, chain_id=chain_id, pool=pool, wallet=wallet)
            profile = form.instance if saved else profile
    elif request.method == "POST":
        return render(
            request,
            "marketplace/pool.html#profile",
            {"pool": pool, "profile": profile, "error": "Only the pool's owner can edit it."},
            status=403,
        )
    context = {
        "nav": "pools",
        "pool": pool,
        "profile": profile,
        "form": form,
        "saved": saved,
        "is_owner": wallet == pool.owner,
    }
    if request.htmx and request.method == "POST":
        return render(request, "marketplace/pool.html#profile", context)
    tasks = selectors_pools.pool_tasks(chain_id=chain_id, address=address)
    orders = open_orders(chain_id=chain_id, kind="workerpoolorder").filter(workerpool=address)
    context.update(
        access=selectors_pools.pool_access(chain_id=chain_id, address=address),
        orders=list(orders.order_by("category", "price", "publication_timestamp")[:50]),
        orders_count=orders.count(),
        deals_count=selectors_pools.deals_served(chain_id=chain_id, addresses=[address]).get(
            address, 0
        ),
        outcomes=selectors_pools.task_outcomes(
            tasks=tasks, now=selectors_pools.chain_now(chain_id=chain_id)
        ),
        workers=selectors_pools.pool_workers(chain_id=chain_id, address=address),
        recent_deals=list(selectors.deals_list(chain_id=chain_id, workerpool=address)[:10]),
    )
    return render(request, "marketplace/pool.html", context)


def _profile_save(request, *, chain_id: int, pool, wallet: str):
    form = WorkerpoolProfileForm(request.POST, instance=None)
    if not form.is_valid():
        return form, False
    try:
        profile = workerpool_profile_update(
            chain_id=chain_id, address=pool.address, editor=wallet, values=form.cleaned_data
        )
    except NotOwner as exc:
        form.add_error(None, str(exc))
        return form, False
    except ValidationError as exc:
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
        return form, False
    return WorkerpoolProfileForm(initial=profile_values(profile), instance=profile), True

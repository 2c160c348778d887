"""Accounts and workers: an address's RLC, stake and locked funds (deposit and withdraw through
the wallet when it is the visitor's), and a worker's score, contributions and earnings."""

from django.core.paginator import Paginator
from django.shortcuts import render

from marketplace.models import Account
from marketplace.selectors import entities as selectors
from marketplace.selectors import pools as selectors_pools
from marketplace.web.json import signed_in
from marketplace.web.partials import page_or_fragment
from marketplace.web.site import site_chain_id, wallet_balance
from marketplace.web.validators import address_or_404


def _account(chain_id: int, address: str) -> Account | None:
    try:
        return selectors.account_get(chain_id=chain_id, address=address)
    except Account.DoesNotExist:
        return None


def account_page(request, address):
    chain_id = site_chain_id()
    address = address_or_404(address)
    mine = signed_in(request) == address
    context = {
        "nav": "mine" if mine else "",
        "address": address,
        "account": _account(chain_id, address),
        "mine": mine,
        "ledger": list(selectors_pools.account_ledger(chain_id=chain_id, address=address)[:20]),
        "requested": selectors.deals_list(chain_id=chain_id, requester=address).count(),
        "owned_pools": list(selectors.workerpools_list(chain_id=chain_id, owner=address)[:20]),
        "owned_apps": list(selectors.apps_list(chain_id=chain_id, owner=address)[:20]),
        "owned_datasets": list(selectors.datasets_list(chain_id=chain_id, owner=address)[:20]),
    }
    context["balance"] = wallet_balance(address)
    template = page_or_fragment(request, "marketplace/account.html", "balances")
    return render(request, template, context)


def worker_page(request, address):
    chain_id = site_chain_id()
    address = address_or_404(address)
    contributions = selectors_pools.worker_contributions(chain_id=chain_id, address=address)
    page = Paginator(contributions, 25).get_page(request.GET.get("page"))
    return render(
        request,
        "marketplace/worker.html",
        {
            "address": address,
            "account": _account(chain_id, address),
            "summary": selectors_pools.worker_summary(chain_id=chain_id, address=address),
            "page": page,
        },
    )

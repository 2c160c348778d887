"""The store's pages: catalog, entry, the owner's edit, and the publish flow (deploy a new app
or dataset through the wallet, or claim one already on chain)."""

from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from dappstore import selectors
from dappstore.forms import CatalogForm, DeployForm, EntryForm
from dappstore.models import Entry
from dappstore.services import LOGO_MAX_BYTES, claim_message, entry_claim, entry_update
from marketplace.chain.parse import InputInvalid, address_parse, choice_parse
from marketplace.chain.transactions import tx_create_asset_prepare
from marketplace.ratelimit import rate_limited
from marketplace.refusal import Refusal
from marketplace.selectors import entities as chain_selectors
from marketplace.web.json import body_json, form_checked, ok, signed_in, wallet_required
from marketplace.web.partials import page_or_fragment
from marketplace.web.site import site_chain_id
from marketplace.web.validators import address_or_404
from orderbook import facts
from orderbook.selectors import open_orders

PAGE = 24
# One byte more than the limit: enough to tell a too-large logo without reading all of it.
LOGO_READ_LIMIT = LOGO_MAX_BYTES + 1
ASSET_KINDS = (Entry.APP, Entry.DATASET)


def catalog_page(request):
    chain_id = site_chain_id()
    form = CatalogForm(request.GET or None)
    query = form.catalog_query()
    page = Paginator(selectors.catalog(chain_id=chain_id, query=query), PAGE).get_page(
        request.GET.get("page")
    )
    entries = list(page.object_list)
    extra = request.GET.copy()
    for name in ("page", "partial"):
        extra.pop(name, None)
    context = {
        "nav": "store",
        "form": form,
        "page": page,
        "entries": entries,
        "prices": selectors.live_prices(entries),
        "featured": [] if query.text else selectors.featured(chain_id=chain_id),
        "extra_query": extra.urlencode(),
    }
    return render(request, page_or_fragment(request, "dappstore/catalog.html", "results"), context)


def _entry_or_404(chain_id: int, slug: str, *, request) -> Entry:
    try:
        entry = selectors.entry_get(chain_id=chain_id, slug=slug, include_hidden=True)
    except Entry.DoesNotExist:
        raise Http404(f"no store entry {slug}") from None
    if entry.hidden and signed_in(request) != entry.owner:
        raise Http404(f"no store entry {slug}")
    return entry


def entry_page(request, slug):
    chain_id = site_chain_id()
    entry = _entry_or_404(chain_id, slug, request=request)
    versions = list(entry.versions.all())
    addresses = [v.address for v in versions]
    kind = "apporder" if entry.kind == Entry.APP else "datasetorder"
    field = "app" if entry.kind == Entry.APP else "dataset"
    orders = open_orders(chain_id=chain_id, kind=kind).filter(**{f"{field}__in": addresses})
    return render(
        request,
        "dappstore/entry.html",
        {
            "nav": "store",
            "entry": entry,
            "versions": versions,
            "newest": versions[0] if versions else None,
            "price": selectors.live_prices([entry]).get(entry.pk),
            "orders": list(orders.order_by("price", "publication_timestamp")[:20]),
            "pools": selectors.entry_pools(entry),
            "is_owner": signed_in(request) == entry.owner,
            "order_kind": kind,
        },
    )


def entry_edit(request, slug):
    chain_id = site_chain_id()
    entry = _entry_or_404(chain_id, slug, request=request)
    wallet = signed_in(request)
    if wallet != entry.owner:
        return render(
            request,
            "dappstore/forbidden.html",
            {"entry": entry, "reason": f"Only the owner {entry.owner} can edit this entry."},
            status=403,
        )
    initial = {"tags_text": ", ".join(entry.tags.values_list("name", flat=True))}
    form, status = EntryForm(instance=entry, initial=initial), 200
    if request.method == "POST":
        form = EntryForm(request.POST, request.FILES, instance=entry, initial=initial)
        status = 400
        if form.is_valid():
            upload = form.cleaned_data.get("logo_file")
            try:
                entry_update(
                    entry=entry,
                    editor=wallet,
                    values={f: form.cleaned_data[f] for f in EntryForm.Meta.fields},
                    tags=form.cleaned_data["tags_text"],
                    logo=upload.read(LOGO_READ_LIMIT) if upload else None,
                )
            except Refusal as refusal:
                form.add_error(None, refusal.message)
                status = refusal.status
            else:
                return redirect("store-entry", entry.slug)
    context = {"nav": "store", "entry": entry, "form": form}
    return render(request, "dappstore/edit.html", context, status=status)


@require_GET
def entry_logo(request, slug):
    entry = _entry_or_404(site_chain_id(), slug, request=request)
    if not entry.logo:
        raise Http404("no logo")
    response = HttpResponse(bytes(entry.logo), content_type=entry.logo_type)
    # An image, never a document: no sniffing into HTML, nothing it could run.
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "public, max-age=300"
    return response


def publish_page(request):
    wallet = signed_in(request)
    mine = []
    if wallet:
        chain_id = site_chain_id()
        mine = [
            ("app", a)
            for a in chain_selectors.apps_list(chain_id=chain_id, owner=wallet)[:50]
            if selectors.entry_of_asset(chain_id=chain_id, address=a.address) is None
        ] + [
            ("dataset", d)
            for d in chain_selectors.datasets_list(chain_id=chain_id, owner=wallet)[:50]
            if selectors.entry_of_asset(chain_id=chain_id, address=d.address) is None
        ]
    return render(
        request,
        "dappstore/publish.html",
        {
            "nav": "store",
            "deploy_form": DeployForm(),
            "unclaimed": mine,
            "into": request.GET.get("into", ""),
        },
    )


@require_POST
@rate_limited(group="prepare")
@wallet_required
def deploy_prepare(request, *, wallet: str):
    """The createApp / createDataset transaction for the wallet, and the address it will have."""
    data = form_checked(DeployForm(body_json(request))).cleaned_data
    kind = data["kind"]
    multiaddr = data["multiaddr"].encode()
    checksum = bytes.fromhex(data["checksum"][2:])
    args: tuple
    if kind == Entry.APP:
        args = (wallet, data["name"], "DOCKER", multiaddr, checksum, data["mrenclave"].encode())
    else:
        args = (wallet, data["name"], multiaddr, checksum)
    registry = facts.registries()[kind]
    address = selectors.asset_address_predicted(registry=registry, kind=kind, args=args)
    tx = tx_create_asset_prepare(chain_id=site_chain_id(), registry=registry, kind=kind, args=args)
    return ok(tx=tx.as_dict(), address=address)


@require_GET
@rate_limited(group="prepare")
@wallet_required
def claim_message_view(request, *, wallet: str):
    kind = choice_parse("kind", request.GET.get("kind"), choices=ASSET_KINDS)
    address = address_parse("address", request.GET.get("address"))
    chain_id = site_chain_id()
    text = claim_message(chain_id=chain_id, kind=kind, address=address, claimant=wallet)
    return ok(message=text)


@require_POST
@rate_limited(group="publish")
@wallet_required
def claim(request, *, wallet: str):
    chain_id = site_chain_id()
    data = body_json(request)
    kind = choice_parse("kind", data.get("kind"), choices=ASSET_KINDS)
    if not isinstance(data.get("signature"), str):
        raise InputInvalid("signature must be a string")
    into = None
    if data.get("into"):
        try:
            into = selectors.entry_get(chain_id=chain_id, slug=str(data["into"]))
        except Entry.DoesNotExist:
            raise Refusal("no such entry to add a version to", status=404) from None
    entry = entry_claim(
        chain_id=chain_id,
        kind=kind,
        address=address_parse("address", data.get("address")),
        claimant=wallet,
        signature=data["signature"],
        into=into,
        label=str(data.get("label") or ""),
    )
    return ok(slug=entry.slug, edit=reverse("store-edit", args=[entry.slug]))


def asset_entry(request, address):
    """/store/asset/<address>: the entry an on-chain asset belongs to, if any."""
    entry = selectors.entry_of_asset(chain_id=site_chain_id(), address=address_or_404(address))
    if entry is None:
        raise Http404("this asset is in no store entry")
    return redirect("store-entry", entry.slug)

"""Buying compute: pick an app (and dataset), a category, trust and tags; see the cheapest orders
that match now and the total; then buy. The page's wallet script signs the request order this
view prepares, publishes it, and sends matchOrders for the quoted orders."""

from typing import cast

from django import forms
from django.shortcuts import render
from django.views.decorators.http import require_POST

from marketplace.chain.protocol import TAG_LABELS, ZERO_ADDRESS, tag_value
from marketplace.models import App, Category, Dataset
from marketplace.ratelimit import rate_limited
from marketplace.web.json import body_json, form_checked, ok, signed_in, wallet_required
from marketplace.web.partials import page_or_fragment
from marketplace.web.site import site_chain_id
from orderbook import drafts
from orderbook.parsing import MAX_PARAMS
from orderbook.quote import NoQuote, quote_cheapest

TAGS = [(name, TAG_LABELS[name]) for name in ("tee", "gpu")]


class QuoteForm(forms.Form):
    app = forms.ChoiceField(label="App")
    dataset = forms.ChoiceField(label="Dataset", required=False)
    category = forms.TypedChoiceField(coerce=int, label="Category")
    trust = forms.IntegerField(min_value=0, max_value=1000, initial=1, label="Trust")
    tags = forms.MultipleChoiceField(
        choices=TAGS, required=False, widget=forms.CheckboxSelectMultiple, label="Tags"
    )
    volume = forms.IntegerField(min_value=1, max_value=10_000, initial=1, label="Tasks")
    params = forms.CharField(
        max_length=MAX_PARAMS,
        required=False,
        label="Arguments (params JSON)",
        initial='{"iexec_args": ""}',
    )

    def __init__(self, *args, chain_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        apps = App.objects.filter(chain_id=chain_id).order_by("name", "address")
        self._choice_field("app").choices = [
            (a.address, f"{a.name} ({a.address[:10]}…)") for a in apps
        ]
        datasets = Dataset.objects.filter(chain_id=chain_id).order_by("name", "address")
        self._choice_field("dataset").choices = [("", "none")] + [
            (d.address, f"{d.name} ({d.address[:10]}…)") for d in datasets
        ]
        categories = Category.objects.filter(chain_id=chain_id).order_by("catid")
        self._choice_field("category").choices = [
            (c.catid, f"{c.name} ({c.work_clock_time_ref} s)") for c in categories
        ]

    def _choice_field(self, name: str) -> forms.ChoiceField:
        # Form.fields is typed as holding plain Fields: the three above are ChoiceFields.
        return cast(forms.ChoiceField, self.fields[name])

    @property
    def tag_bits(self) -> int:
        return tag_value(self.cleaned_data.get("tags") or [])


def _quote(form: QuoteForm, *, chain_id: int, requester: str | None):
    data = form.cleaned_data
    return quote_cheapest(
        chain_id=chain_id,
        app=data["app"],
        dataset=data.get("dataset") or ZERO_ADDRESS,
        category=data["category"],
        trust=data["trust"],
        tag_bits=form.tag_bits,
        volume=data["volume"],
        requester=requester or ZERO_ADDRESS,
    )


def quote_page(request):
    chain_id = site_chain_id()
    bound = bool(request.GET.get("app")) and "category" in request.GET
    initial = {"app": request.GET.get("app"), "trust": 1, "volume": 1}
    form = QuoteForm(request.GET if bound else None, chain_id=chain_id, initial=initial)
    quote, problem = None, None
    if bound and form.is_valid():
        try:
            quote = _quote(form, chain_id=chain_id, requester=signed_in(request))
        except NoQuote as exc:
            problem = str(exc)
    return render(
        request,
        page_or_fragment(request, "marketplace/quote.html", "result"),
        {"nav": "quote", "form": form, "quote": quote, "problem": problem, "bound": bound},
    )


@require_POST
@rate_limited(group="prepare")
@wallet_required
def quote_request_prepare(request, *, wallet: str):
    """The request order to sign for the current best quote (recomputed here, never taken from
    the page), with the hashes of the orders it is to be matched with."""
    chain_id = site_chain_id()
    form = form_checked(QuoteForm(body_json(request), chain_id=chain_id))
    quote = _quote(form, chain_id=chain_id, requester=wallet)
    order = drafts.request_order_draft(
        quote=quote, requester=wallet, params=form.cleaned_data["params"] or ""
    )
    return ok(
        order=order,
        typedData=drafts.typed_data_for_wallet(kind="requestorder", order=order),
        match={
            "apporder": quote.apporder.order_hash,
            "datasetorder": quote.datasetorder.order_hash if quote.datasetorder else None,
            "workerpoolorder": quote.workerpoolorder.order_hash,
        },
        total=str(quote.total),
        volume=quote.volume,
    )

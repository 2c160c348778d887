"""What developers type into the store: a new asset to deploy, and an entry's metadata."""

import re

from django import forms

from dappstore.models import Entry
from dappstore.selectors import CatalogQuery
from marketplace.chain.parse import bytes32_parse, json_parse
from marketplace.web.forms import field_parse

TAG = re.compile(r"^[a-z0-9][a-z0-9-]{0,31}$")
SORT_CHOICES = [("usage", "most used"), ("newest", "newest"), ("price", "cheapest"),
                ("relevance", "best match")]  # fmt: skip


class CatalogForm(forms.Form):
    q = forms.CharField(max_length=200, required=False, label="Search")
    kind = forms.ChoiceField(choices=[("", "apps and datasets"), *Entry.KINDS], required=False)
    tag = forms.CharField(max_length=32, required=False)
    tee = forms.BooleanField(required=False, label="TEE only")
    price = forms.ChoiceField(
        choices=[("", "any price"), ("free", "free"), ("paid", "paid")], required=False
    )
    orders = forms.BooleanField(required=False, label="with open orders")
    sort = forms.ChoiceField(choices=SORT_CHOICES, required=False)

    def catalog_query(self) -> CatalogQuery:
        """What the catalog shows for this query string (invalid parameters are ignored)."""
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        return CatalogQuery(
            text=data.get("q") or "",
            kind=data.get("kind") or "",
            tag=data.get("tag") or "",
            tee=bool(data.get("tee")),
            price=data.get("price") or "",
            has_orders=bool(data.get("orders")),
            sort=data.get("sort") or ("relevance" if data.get("q") else "usage"),
        )


class DeployForm(forms.Form):
    kind = forms.ChoiceField(choices=Entry.KINDS)
    name = forms.CharField(max_length=120)
    multiaddr = forms.CharField(
        max_length=500, help_text="Docker image (app) or IPFS address of the encrypted data"
    )
    checksum = forms.CharField(
        help_text="64 hex digits (0x optional): the image digest or data hash"
    )
    mrenclave = forms.CharField(
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="TEE apps only: the enclave's JSON (framework, version, fingerprint…)",
    )

    def clean_checksum(self):
        return field_parse(bytes32_parse, "checksum", self.cleaned_data["checksum"].strip())

    def clean_mrenclave(self):
        value = self.cleaned_data["mrenclave"].strip()
        if value:
            field_parse(json_parse, "the enclave description", value)
        return value


class EntryForm(forms.ModelForm):
    tags_text = forms.CharField(
        required=False, label="Tags", help_text="comma separated, lower case (e.g. ai, image)"
    )
    logo_file = forms.FileField(
        required=False, label="Logo", help_text="PNG, JPEG or WebP, at most 256 KB"
    )
    source_url = forms.URLField(required=False, assume_scheme="https", label="Source code")
    docs_url = forms.URLField(required=False, assume_scheme="https", label="Documentation")

    class Meta:
        model = Entry
        fields = [
            "display_name",
            "summary",
            "description",
            "category",
            "license",
            "source_url",
            "docs_url",
            "author",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 12})}
        labels = {"display_name": "Name", "description": "Description (Markdown)"}

    def clean_tags_text(self) -> list[str]:
        names = [t.strip().lower() for t in self.cleaned_data["tags_text"].split(",") if t.strip()]
        bad = [n for n in names if not TAG.match(n)]
        if bad:
            raise forms.ValidationError(f"not a tag: {', '.join(bad)} (letters, digits, dashes)")
        return list(dict.fromkeys(names))

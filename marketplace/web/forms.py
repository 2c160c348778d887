"""Forms of the pages: what a visitor may type, with the messages shown when it is wrong."""

from django import forms

from marketplace.chain.parse import MAX_RLC, InputInvalid, rlc_parse
from marketplace.chain.protocol import TAG_LABELS
from marketplace.models import WorkerpoolProfile
from orderbook.market import BookFilter

TAG_CHOICES = list(TAG_LABELS.items())


def field_parse(parse, name: str, value):
    """A form's value through the parser core: its refusal becomes the field's error."""
    try:
        return parse(name, value)
    except InputInvalid as refusal:
        raise forms.ValidationError(refusal.message) from None


class RlcField(forms.DecimalField):
    """An amount typed in RLC, cleaned to integer nRLC by the one amount rule."""

    def __init__(self, **kwargs):
        # The bounds only set the input's attributes: rlc_parse enforces them.
        super().__init__(min_value=0, max_value=MAX_RLC, decimal_places=9, **kwargs)

    def clean(self, value):
        if value in self.empty_values:
            return super().clean(value)
        return field_parse(rlc_parse, self.label or "amount", value)


class MarketFilterForm(forms.Form):
    category = forms.IntegerField(min_value=0, required=False)
    tags = forms.MultipleChoiceField(
        choices=TAG_CHOICES, required=False, widget=forms.CheckboxSelectMultiple
    )
    min_trust = forms.IntegerField(min_value=0, max_value=10**6, required=False, label="Min trust")
    max_price = RlcField(required=False, label="Max price (RLC)")
    tee_hardware = forms.ChoiceField(
        choices=[("", "any"), *WorkerpoolProfile.TEE[1:]], required=False, label="TEE hardware"
    )
    energy_source = forms.ChoiceField(
        choices=[("", "any"), *WorkerpoolProfile.ENERGY[1:]], required=False, label="Energy"
    )
    location = forms.CharField(max_length=80, required=False, label="Pool location")

    def book_filter(self) -> BookFilter:
        data = self.cleaned_data if self.is_valid() else {}
        return BookFilter(
            tags=tuple(data.get("tags") or ()),
            min_trust=data.get("min_trust") or 0,
            max_price=data.get("max_price"),
            tee_hardware=data.get("tee_hardware") or "",
            energy_source=data.get("energy_source") or "",
            location=data.get("location") or "",
        )


class WorkerpoolProfileForm(forms.ModelForm):
    website = forms.URLField(max_length=200, required=False, assume_scheme="https")

    class Meta:
        model = WorkerpoolProfile
        fields = ["location", "energy_source", "tee_hardware", "gpu", "website"]
        labels = {"gpu": "GPU", "tee_hardware": "TEE hardware", "energy_source": "Energy source"}
        help_texts = {"location": "City, region or data centre, as requesters should read it."}

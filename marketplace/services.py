"""Writes of what operators say about their pools (location, energy, TEE hardware…).

Called by marketplace.web.views_pools. Only the pool's current on-chain owner may write; the
owner is read from the index when it is current and from the node otherwise.
"""

from django.forms.models import model_to_dict

from marketplace.models import WorkerpoolProfile
from marketplace.refusal import Refusal
from orderbook import facts

EDITABLE = ["location", "energy_source", "tee_hardware", "gpu", "website"]


class NotOwner(Refusal):
    status = 403


def workerpool_profile_update(
    *, chain_id: int, address: str, editor: str, values: dict
) -> WorkerpoolProfile:
    owned = facts.assets_owner(chain=chain_id, kind="workerpool", addresses=[address])[address]
    if not owned.registered:
        raise NotOwner(f"workerpool {address} is not registered")
    if owned.owner != editor:
        raise NotOwner(f"only the owner {owned.owner} can edit workerpool {address}")
    profile = WorkerpoolProfile.objects.filter(chain_id=chain_id, address=address).first()
    profile = profile or WorkerpoolProfile(chain_id=chain_id, address=address)
    for field in EDITABLE:
        if field in values:
            setattr(profile, field, values[field].strip())
    profile.updated_by = editor
    profile.full_clean()  # choices, lengths and the URL, with per-field messages
    profile.save()
    return profile


def profile_values(profile: WorkerpoolProfile | None) -> dict:
    return model_to_dict(profile, fields=EDITABLE) if profile else dict.fromkeys(EDITABLE, "")

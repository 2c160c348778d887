"""Moderation of the store in the Django admin: feature, hide or flag entries. Hidden entries
leave the catalog; the chain data they describe stays indexed."""

from django.contrib import admin

from dappstore.models import Entry, Tag, Version
from dappstore.services import entry_text_refresh


class VersionInline(admin.TabularInline):
    model = Version
    extra = 0
    readonly_fields = ["chain_id", "address", "label", "registered_at"]
    can_delete = False


@admin.register(Entry)
class EntryAdmin(admin.ModelAdmin):
    list_display = ["display_name", "kind", "owner", "featured", "hidden", "flagged", "deals_30d"]
    list_filter = ["kind", "featured", "hidden", "flagged", "tee"]
    search_fields = ["display_name", "summary", "owner", "slug"]
    readonly_fields = ["owner", "deals_30d", "tasks_30d", "deals_total", "min_price"]
    fields = [
        "display_name", "slug", "summary", "description", "category", "license", "source_url",
        "docs_url", "author", "tags", "owner", "featured", "hidden", "flagged", "flag_reason",
        "deals_30d", "tasks_30d", "deals_total", "min_price",
    ]  # fmt: skip
    inlines = [VersionInline]
    actions = ["feature", "unfeature", "hide", "unhide", "flag", "unflag"]

    @admin.action(description="Feature in the catalog")
    def feature(self, request, queryset):
        queryset.update(featured=True)

    @admin.action(description="Stop featuring")
    def unfeature(self, request, queryset):
        queryset.update(featured=False)

    @admin.action(description="Hide from the catalog")
    def hide(self, request, queryset):
        queryset.update(hidden=True)

    @admin.action(description="Show in the catalog again")
    def unhide(self, request, queryset):
        queryset.update(hidden=False)

    @admin.action(description="Flag for review")
    def flag(self, request, queryset):
        queryset.update(flagged=True)

    @admin.action(description="Clear the flag")
    def unflag(self, request, queryset):
        queryset.update(flagged=False, flag_reason="")

    def save_model(self, request, obj, form, change):
        # A moderator's edit of the text goes through the same renderer as the owner's.
        super().save_model(request, obj, form, change)
        entry_text_refresh(obj)
        obj.save(update_fields=["description_html", "search_document"])


admin.site.register(Tag)

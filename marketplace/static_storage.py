"""Static files with DEBUG off, collected or not.

After `collectstatic` pages link the hashed, compressed copies in STATIC_ROOT (cached forever by
browsers). Before it, as on a bare `runserver` with DEBUG off, there is no manifest: pages link
the plain names, which whitenoise serves from the apps' and project's static directories
(settings.WHITENOISE_USE_FINDERS), instead of every page failing on a missing manifest entry.
"""

from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    def stored_name(self, name):
        if not self.hashed_files:  # no manifest: collectstatic has not run
            return name
        return super().stored_name(name)

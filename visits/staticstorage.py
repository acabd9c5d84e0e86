"""Static files as served once collected: hashed names, gzip and brotli copies.

Django's manifest storage hands out unhashed URLs while DEBUG is on; this one hands
out the hashed ones always, so that `make run` (DEBUG on, files collected) gets the
same far-future caching as production: WhiteNoise marks a URL immutable only when it
is the hashed name that `{% static %}` produces.
"""

from whitenoise.storage import CompressedManifestStaticFilesStorage


class CollectedStaticStorage(CompressedManifestStaticFilesStorage):
    def url(self, name, force=True):
        return super().url(name, force=force)

"""Request rates: each request is counted once, under one scope.

DRF's UserRateThrottle counts an anonymous request by its address, so beside
AnonRateThrottle every anonymous request was counted twice (two reads and two
writes of the shared cache), the second time under the looser user rate, which
never bound. Here the user scope counts signed-in users only; DRF's anon scope
counts everyone else, and skips signed-in users itself."""

from rest_framework.throttling import UserRateThrottle


class SignedInRateThrottle(UserRateThrottle):
    def get_cache_key(self, request, view):
        if not request.user or not request.user.is_authenticated:
            return None  # counted by the anon scope
        return super().get_cache_key(request, view)

"""Reads are public; writes follow the model permissions of the Researchers and
Editors groups. Publishing needs visits.publish_visit, as in the admin."""

from rest_framework import permissions


class ReadAnyWriteWithModelPerms(permissions.DjangoModelPermissionsOrAnonReadOnly):
    perms_map = {
        **permissions.DjangoModelPermissions.perms_map,
        "GET": [],
        "HEAD": [],
        "OPTIONS": [],
    }


class VisitPermissions(ReadAnyWriteWithModelPerms):
    """As above, except that DELETE asks only for a signed-in user: the write service
    decides (a researcher may delete a draft of their own that was never published)."""

    def has_permission(self, request, view):
        if request.method == "DELETE":
            return bool(request.user and request.user.is_authenticated)
        return super().has_permission(request, view)

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

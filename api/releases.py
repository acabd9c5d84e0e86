"""/api/v1/releases/: the recorded releases of the dataset, each with its download."""

from __future__ import annotations

from django.urls import reverse
from rest_framework import permissions, serializers, viewsets

from api.conditional import ConditionalGetMixin
from api.pagination import SimplePagination
from api.views import ListParametersMixin
from visits.models import Release


class ReleaseSerializer(serializers.ModelSerializer):
    download = serializers.SerializerMethodField(help_text="The data package, zipped.")

    class Meta:
        model = Release
        fields = [
            "version",
            "created_at",
            "visits",
            "added",
            "changed",
            "withdrawn",
            "download",
        ]

    def get_download(self, release: Release) -> str:
        path = reverse("release-download", args=[release.version])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path


class ReleaseViewSet(ListParametersMixin, ConditionalGetMixin, viewsets.ReadOnlyModelViewSet):
    """Every release, in the order they were made."""

    queryset = Release.objects.defer("package")
    serializer_class = ReleaseSerializer
    pagination_class = SimplePagination
    permission_classes = [permissions.AllowAny]
    lookup_field = "version"
    lookup_value_regex = r"[0-9A-Za-z][0-9A-Za-z.\-]*"

"""Serve plotly.js from the plotly Python package as static/vendor/plotly.min.js, so
pages never load it from a CDN and the version always matches the figures' JSON."""

from pathlib import Path

import plotly
from django.contrib.staticfiles.finders import BaseFinder
from django.core.files.storage import FileSystemStorage

PACKAGE_DATA = Path(plotly.__file__).parent / "package_data"
NAME = "plotly.min.js"
PREFIX = "vendor"


class PlotlyFinder(BaseFinder):
    def __init__(self, *args, **kwargs):
        self.storage = FileSystemStorage(location=PACKAGE_DATA)
        self.storage.prefix = PREFIX

    def check(self, **kwargs):
        return []

    def find(self, path, find_all=False, **kwargs):
        if path == f"{PREFIX}/{NAME}":
            found = str(PACKAGE_DATA / NAME)
            return [found] if find_all else found
        return [] if find_all else None

    def list(self, ignore_patterns):
        yield NAME, self.storage

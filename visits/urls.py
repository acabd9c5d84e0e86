from django.urls import path

from visits import views

urlpatterns = [
    path("", views.home, name="home"),
    path("visits/<int:pk>/", views.visit_detail, name="visit-detail"),
    path("people/<slug:slug>/", views.person_detail, name="person-detail"),
    path("eras/<slug:scheme>/<slug:slug>/", views.era_detail, name="era-detail"),
]

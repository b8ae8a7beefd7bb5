from django.urls import path

from . import views

# included by clusterfinance/urls.py under "allocation/" in the app's namespace
urlpatterns = [
    path("", views.QueueView.as_view(), name="allocation"),
    path("runs/<int:pk>/", views.RunDetailView.as_view(), name="allocation-run"),
    path("compare/", views.CompareView.as_view(), name="allocation-compare"),
    path("priorities/", views.PriorityView.as_view(), name="allocation-priorities"),
]

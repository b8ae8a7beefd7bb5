from django.urls import path

from . import views

# included by clusterfinance/urls.py under "schemes/groups/" in the app's namespace
urlpatterns = [
    path("", views.GroupListView.as_view(), name="groups"),
    path("policy/", views.PolicyView.as_view(), name="group-policy"),
    path("mine/", views.MyGroupsView.as_view(), name="groups-mine"),
    path("<int:pk>/", views.GroupDetailView.as_view(), name="group-detail"),
]

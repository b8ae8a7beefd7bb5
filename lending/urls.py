"""Lending pages (issue 3 fills these in)."""

app_name = "lending"
urlpatterns: list = []

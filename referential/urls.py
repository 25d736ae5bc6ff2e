from django.urls import path

app_name = "referential"
urlpatterns: list = []

app_name = "trade"
urlpatterns: list = []

"""The asset sale's pages: its forms on a transaction's page, the live auction."""



urlpatterns = []

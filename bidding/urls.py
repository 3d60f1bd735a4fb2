"""Pages of bidders, custodians and the station about suppliers, draws and sealed quotes."""

from .views import companies, sealed

urlpatterns = companies.urlpatterns + sealed.urlpatterns

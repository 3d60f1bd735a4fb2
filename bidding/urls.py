"""Pages of bidders, custodians and the station about suppliers, draws and sealed quotes."""

from .views import companies, pool, sealed

urlpatterns = companies.urlpatterns + pool.urlpatterns + sealed.urlpatterns

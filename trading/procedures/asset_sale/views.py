"""Pages of the asset sale."""


def panel(request, obj):
    return "asset_sale/panel.html", {}


def public_panel(request, obj):
    return "asset_sale/public.html", {}

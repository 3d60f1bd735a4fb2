"""The three procedures, one module each. A procedure is a proxy of `Transaction` that
adds its own stages after `registered` (django-fsm transitions on the same `stage`
field), its own final stages and its own models.

`procedure_class(type)` gives the class for a transaction type.
"""

_REGISTRY = {}


def register(transaction_type):
    def decorator(cls):
        _REGISTRY[transaction_type] = cls
        cls.PROCEDURE_TYPE = transaction_type
        return cls

    return decorator


def procedure_class(transaction_type):
    return _REGISTRY[transaction_type]


def all_procedures():
    return dict(_REGISTRY)


from . import asset_sale, inquiry, tender  # noqa: E402, F401

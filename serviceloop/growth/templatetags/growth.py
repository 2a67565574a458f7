from django import template

from serviceloop.growth.selectors import shop_allocation_for

register = template.Library()


@register.simple_tag
def allocation_of(customer, run=None, public=False):
    """``{% allocation_of customer public=public as alloc %}`` — see selectors.shop_allocation_for."""
    return shop_allocation_for(customer, run=run, public=bool(public))


@register.simple_tag
def restock_of(customer):
    """``{% restock_of customer as lines %}`` — the shop's restock advice (selectors.restock_for)."""
    from serviceloop.growth.selectors import restock_for

    return restock_for(customer)

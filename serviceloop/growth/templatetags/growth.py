from django import template

from serviceloop.growth.selectors import shop_allocation_for

register = template.Library()


@register.simple_tag
def allocation_of(customer, run=None):
    """``{% allocation_of customer as alloc %}`` — see selectors.shop_allocation_for."""
    return shop_allocation_for(customer, run=run)


@register.simple_tag
def restock_of(customer):
    """``{% restock_of customer as lines %}`` — the shop's restock advice (selectors.restock_for)."""
    from serviceloop.growth.selectors import restock_for

    return restock_for(customer)

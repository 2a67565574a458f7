from django import template

from serviceloop.growth.selectors import shop_allocation_for

register = template.Library()


@register.simple_tag
def allocation_of(customer, run=None):
    """``{% allocation_of customer as alloc %}`` — see selectors.shop_allocation_for."""
    return shop_allocation_for(customer, run=run)

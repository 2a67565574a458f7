"""Growth: scarce-product allocation (R26, issue 6).

* ``sheet`` parses the weekly sheet (pure); ``analytics.allocation`` solves it exactly (pure).
* ``archive`` reads the customer archive into arrays and maps DELIVERY_AREA names onto it (alias
  table → exact name → unique prefix; ambiguous or unknown names refused); weights every-other-week
  shops 2/0 and suspended, closed, 不访销 and grade-less shops 0.
* ``engine.allocate_sheet`` runs every product (one engine for the ``allocate`` command, the pages,
  the demo and ``bench/bench_allocation.py``); ``services`` store runs (file bytes + SHA-256,
  parameters, per-product tables with the counts the solver saw, per-shop rows) and re-run them;
  points runs use ``apportion_points`` (Webster by default) on imported or entered points.
* ``selectors.shop_allocation_for(customer, *, run=None)`` and ``templates/growth/_shop_allocation.html``
  show a shop what it may order and why (customer page and the public QR page).
* ``export`` writes the ordering-system layout (see its docstring).
"""

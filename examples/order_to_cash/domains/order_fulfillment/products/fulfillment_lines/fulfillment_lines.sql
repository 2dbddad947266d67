-- Warehouse fulfilment of order lines, with the quantity ordered beside the quantity
-- shipped. Only lines of valid order lines are kept: a line order management dropped
-- as a defect (quantity of zero or less) has nothing to fulfil.
select
    f.fulfillment_id,
    f.order_id,
    f.line_no,
    l.sku,
    f.warehouse,
    f.released_at,
    f.picked_at,
    f.packed_at,
    l.quantity as quantity_ordered,
    f.quantity_shipped,
    f.quantity_shipped < l.quantity as short_shipped
from raw_fulfillment_lines as f
join order_lines as l
    on l.order_id = f.order_id
    and l.line_no = f.line_no

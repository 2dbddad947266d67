select
    d.supplier_id, d.quarter_start, d.deliveries, d.on_time, d.late, d.short,
    round(d.on_time / d.deliveries, 4) as on_time_rate
from raw_delivery_performance as d
join supplier_files as f on f.supplier_id = d.supplier_id

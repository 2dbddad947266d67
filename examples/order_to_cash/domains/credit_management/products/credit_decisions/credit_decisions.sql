-- Credit decisions on orders, with the order's value and the credit file's limit and
-- risk class, so a hold can be explained. The credit system exports CSV: columns are
-- cast explicitly; empty hold reasons become null.
with decisions as (
    select
        trim(cast(decision_id as varchar)) as decision_id,
        trim(cast(order_id as varchar)) as order_id,
        trim(cast(credit_file_id as varchar)) as credit_file_id,
        cast(decided_at as timestamptz) as decided_at,
        lower(trim(cast(decision as varchar))) as decision,
        nullif(lower(trim(cast(hold_reason as varchar))), '') as hold_reason,
        cast(released_at as timestamptz) as released_at
    from raw_credit_decisions
)
select
    d.decision_id,
    d.order_id,
    o.account_no,
    d.credit_file_id,
    d.decided_at,
    d.decision,
    d.hold_reason,
    d.released_at,
    case
        when d.released_at is not null
            then round(date_diff('minute', d.decided_at, d.released_at) / 60.0, 2)
    end as hold_hours,
    o.order_value,
    o.currency,
    f.credit_limit,
    f.risk_class
from decisions as d
join orders as o on o.order_id = d.order_id
left join credit_files as f on f.credit_file_id = d.credit_file_id

-- Credit files, one per legal entity as credit management keyed it.
-- The credit system exports CSV: every column is cast to its type explicitly so the
-- product does not depend on how a CSV reader guesses types.
select
    trim(cast(credit_file_id as varchar)) as credit_file_id,
    trim(cast(legal_name as varchar)) as legal_name,
    nullif(trim(cast(registration_no as varchar)), '') as registration_no,
    trim(cast(street as varchar)) as street,
    trim(cast(city as varchar)) as city,
    trim(cast(postcode as varchar)) as postcode,
    upper(trim(cast(country as varchar))) as country,
    -- exact cents: a CSV reader guesses DOUBLE, and the two-decimal text casts back exactly
    cast(credit_limit as decimal(15, 2)) as credit_limit,
    cast(payment_terms_days as bigint) as payment_terms_days,
    upper(trim(cast(risk_class as varchar))) as risk_class,
    cast(last_review_date as date) as last_review_date
from raw_credit_files

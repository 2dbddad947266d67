-- Sales account master (sold-to customers), one row per account.
-- Repairs: e-mail addresses that are not a plausible address are set to null (a bad
-- address is worse than none: it bounces dunning letters and breaks matching).
select
    account_no,
    trim(account_name) as account_name,
    trim(street) as street,
    trim(city) as city,
    trim(postcode) as postcode,
    upper(trim(country)) as country,
    nullif(trim(tax_id), '') as tax_id,
    case
        when regexp_full_match(lower(trim(email)), '[a-z0-9._%+\-]+@[a-z0-9.\-]+\.[a-z]{2,}')
            then lower(trim(email))
    end as email,
    nullif(trim(phone), '') as phone,
    segment,
    sales_region,
    created_at
from raw_customers

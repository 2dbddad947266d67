-- Sales account master (sold-to customers), one row per account.
-- Repairs:
--   * e-mail addresses that are not a plausible address are set to null (a bad
--     address is worse than none: it bounces dunning letters and breaks matching);
--   * tax ids that do not have their country's VAT/EIN shape are set to null (a
--     wrong tax id would link the account to another legal entity).
with accounts as (
    select
        account_no,
        trim(account_name) as account_name,
        trim(street) as street,
        trim(city) as city,
        trim(postcode) as postcode,
        upper(trim(country)) as country,
        upper(nullif(trim(tax_id), '')) as tax_id,
        lower(nullif(trim(email), '')) as email,
        nullif(trim(phone), '') as phone,
        segment,
        sales_region,
        created_at
    from raw_customers
)
select
    account_no,
    account_name,
    street,
    city,
    postcode,
    country,
    case
        when (country = 'DE' and regexp_full_match(tax_id, 'DE[0-9]{9}'))
            or (country = 'GB' and regexp_full_match(tax_id, 'GB[0-9]{9}'))
            or (country = 'US' and regexp_full_match(tax_id, '[0-9]{2}-[0-9]{7}'))
            or (country = 'FR' and regexp_full_match(tax_id, 'FR[0-9]{11}'))
            or (country = 'NL' and regexp_full_match(tax_id, 'NL[0-9]{9}B01'))
            or (country = 'ES' and regexp_full_match(tax_id, 'ES[AB][0-9]{8}'))
            or (country = 'IT' and regexp_full_match(tax_id, 'IT[0-9]{11}'))
            then tax_id
    end as tax_id,
    case
        when regexp_full_match(email, '[a-z0-9._\-]+@[a-z0-9\-]+(\.[a-z0-9\-]+)*\.[a-z]{2,}') then email
    end as email,
    phone,
    segment,
    sales_region,
    created_at
from accounts

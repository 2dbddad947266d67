-- Purchasing vendor master, one row per vendor record (trimmed; empty strings to null).
select
    vendor_no,
    trim(vendor_name) as vendor_name,
    trim(street) as street,
    trim(city) as city,
    trim(postcode) as postcode,
    upper(trim(country)) as country,
    upper(nullif(trim(tax_id), '')) as tax_id,
    lower(nullif(trim(email), '')) as email,
    nullif(trim(phone), '') as phone,
    tier,
    category,
    payment_terms_days,
    created_at
from raw_vendors

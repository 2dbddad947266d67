-- Delivery sites as shipping keeps them (branch names and addresses, not the HQ).
select
    ship_to_site_id,
    trim(site_name) as site_name,
    trim(street) as street,
    trim(city) as city,
    trim(postcode) as postcode,
    upper(trim(country)) as country
from raw_ship_to_sites

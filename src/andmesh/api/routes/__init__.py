"""The API's endpoints by family; each one calls the facade and nothing else decides."""

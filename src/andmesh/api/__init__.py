"""The REST API of `andmesh serve`: a thin shell over the facade (:mod:`andmesh.facade`).

Every request acts as the principal its bearer token names, so authorization
(:mod:`andmesh.security.authz`) and masking (:mod:`andmesh.security.masking`) apply exactly as
they do on the command line. Importing this package loads FastAPI: only `andmesh serve` does.
"""

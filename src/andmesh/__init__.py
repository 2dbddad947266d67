"""andmesh: a data mesh platform for business units and the enterprise."""

"""Enterprise layer: requirements and gaps, entities, scores, treatments and KPIs."""

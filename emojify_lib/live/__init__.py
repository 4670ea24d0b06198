"""The live step: faces, predictor, tracking, overlay, sources, ``session``; imports model, data, core, never apps."""

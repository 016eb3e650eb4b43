"""Evaluation of trained pipelines: metrics, reports and comparisons of model versions."""

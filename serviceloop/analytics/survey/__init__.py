"""Satisfaction-survey statistics (issue 5): pure functions on pandas frames, no Django.

Answers are a DataFrame with one row per respondent and one column per item, NaN for "not answered";
``SurveySpec`` says which item belongs to which dimension, on which Likert scale, with which weights.
Every result is a dataclass (``.as_dict()`` gives JSON-ready data) or a DataFrame (``to_records``).
"""

from ._base import OVERALL, SurveySpec, to_records
from .drivers import FIX_FIRST, KEEP_UP, LOW_PRIORITY, POSSIBLE_OVERKILL, DriverResult, driver_analysis
from .factor import (
    BartlettResult,
    EFAResult,
    KMOResult,
    bartlett_sphericity,
    correlation_matrix,
    exploratory_factor_analysis,
    kmo,
)
from .index import (
    GapResult,
    IndexResult,
    describe_items,
    gap_scores,
    respondent_scores,
    response_distribution,
    satisfaction_index,
)
from .reliability import AlphaResult, ReliabilityReport, cronbach_alpha, reliability_by_dimension
from .sampling import SampleDraw, allocate_sample, margin_of_error, sample_size, stratified_sample
from .segments import TOTAL, Breakdown, breakdown, segment_index
from .waves import (
    MeanComparison,
    ProportionComparison,
    adjust_p_values,
    compare_means,
    compare_proportions,
    compare_top_box,
    compare_waves,
    hedges_g,
)

__all__ = [
    "FIX_FIRST",
    "KEEP_UP",
    "LOW_PRIORITY",
    "OVERALL",
    "POSSIBLE_OVERKILL",
    "TOTAL",
    "AlphaResult",
    "BartlettResult",
    "Breakdown",
    "DriverResult",
    "EFAResult",
    "GapResult",
    "IndexResult",
    "KMOResult",
    "MeanComparison",
    "ProportionComparison",
    "ReliabilityReport",
    "SampleDraw",
    "SurveySpec",
    "adjust_p_values",
    "allocate_sample",
    "bartlett_sphericity",
    "breakdown",
    "compare_means",
    "compare_proportions",
    "compare_top_box",
    "compare_waves",
    "correlation_matrix",
    "cronbach_alpha",
    "describe_items",
    "driver_analysis",
    "exploratory_factor_analysis",
    "gap_scores",
    "hedges_g",
    "kmo",
    "margin_of_error",
    "reliability_by_dimension",
    "respondent_scores",
    "response_distribution",
    "sample_size",
    "satisfaction_index",
    "segment_index",
    "stratified_sample",
    "to_records",
]

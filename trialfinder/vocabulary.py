"""The names the command line offers, with no imports: `trialfinder --help` reads only these.

The modules that use them (criteria, output, geo, tagging) import them from here.
"""

# Friendly names (used on the command line and in config files) -> API enum values.
STATUSES = {
    "recruiting": "RECRUITING",
    "not-yet-recruiting": "NOT_YET_RECRUITING",
    "enrolling-by-invitation": "ENROLLING_BY_INVITATION",
    "active-not-recruiting": "ACTIVE_NOT_RECRUITING",
    "suspended": "SUSPENDED",
    "terminated": "TERMINATED",
    "completed": "COMPLETED",
    "withdrawn": "WITHDRAWN",
    "unknown": "UNKNOWN",
    "available": "AVAILABLE",
}
DEFAULT_STATUSES = ("recruiting", "not-yet-recruiting")
PHASES = {
    "early1": "EARLY_PHASE1",
    "1": "PHASE1",
    "2": "PHASE2",
    "3": "PHASE3",
    "4": "PHASE4",
}
SETTINGS = ("refractory", "relapsed", "resistant")
# By default: disease treated before, in any of the three settings (see request.build_request).
DEFAULT_SETTINGS = SETTINGS
SEXES = {"female": "FEMALE", "male": "MALE"}
# Result orders: the API's `sort` value, or None for an order trialfinder makes itself.
SORTS = {
    "distance": None,  # nearest site first; needs --near, sorted locally after fetching all
    "relevance": "@relevance",
    "updated": "LastUpdatePostDate:desc",
    "newest": "StudyFirstPostDate:desc",
}
ANY = "any"

FORMATS = ("table", "json", "ndjson", "csv", "xlsx")
EXTENSIONS = {
    ".json": "json",
    ".ndjson": "ndjson",
    ".jsonl": "ndjson",
    ".csv": "csv",
    ".xlsx": "xlsx",
}
BINARY_FORMATS = frozenset({"xlsx"})  # written as bytes: a file or a pipe, not a terminal

DEFAULT_WITHIN = "100mi"
# Most trials shown on a terminal when --limit is not given (elsewhere: all of them).
TERMINAL_LIMIT = 100

# The prescreen's verdicts against a patient's profile, best first (the order of a search):
# "not-yet" is ruled out only by the time since the last treatment, which passes.
FITS = ("possible", "check", "not-yet", "excluded")

# What a product of no treatment category is (lexicon.toml [no_category]), and whether it is
# a cancer treatment given with the others (a partner in a combination).
PRODUCT_KINDS = {"enhancer": True, "adjuvant": False}

# Treatment approaches (the tagging contract), in the order they are listed.
CATEGORY_NAMES = (
    "targeted-therapy",
    "immunotherapy",
    "car-t",
    "combination",
    "chemotherapy",
    "radiation",
    "hormone-therapy",
    "surgery",
    "stem-cell-transplant",
    "palliative-care",
)

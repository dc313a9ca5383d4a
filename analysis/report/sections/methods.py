"""Methods: every choice the analysis made, in words."""

from __future__ import annotations

from analysis.report.html import Page, esc

ID = "methods"
HEADING = "Methods"


def render(page: Page) -> str:
    res = page.res
    o = res.options
    ex = res.export
    items = [
        ("Data", f"Export {esc(ex.source)} (format {ex.manifest.get('format_version')}, "
                 f"campaign {esc(str(ex.manifest['campaign'].get('slug')))}, survey "
                 f"version {esc(str(ex.manifest['survey'].get('version'))[:12])}…)."),
        ("Exclusions", "Participants flagged by: " + (", ".join(o.exclusions) or "none")
         + f". Speeder: relative speed index (median over pages of time on page divided by "
           f"the page's median time) below {o.speed_fraction}. Straight-liner: one answer to "
           f"all Likert items of a phase, at least {o.straightline_min_items} of them. Failed "
           "attention: any attention item answered other than instructed."),
        ("Pairs", "Shifts use complete before/after pairs of the same participant; answers "
                  "flagged as substantive non-answers (don't know, prefer not to say) are "
                  "missing. Reverse-keyed items are shown as asked, and flipped only inside "
                  "construct scores."),
        ("Shift", f"Mean of after − before with a {o.level:.0%} t interval (df = n − 1); "
                  "paired t test; Wilcoxon signed-rank test with zero differences "
                  + ("dropped (Wilcoxon)" if o.zero_method == "wilcox"
                     else "ranked then dropped (Pratt)") +
                  ", exact p when fewer than 50 non-zero differences and no ties or zeros, "
                  "else the normal approximation with tie and continuity correction (as R); "
                  f"BCa bootstrap interval, {o.n_boot} resamples of participants."),
        ("Effect sizes", "d_z = mean shift / SD of the shifts (standardised by the change; "
                         "drives power). g_av = Hedges-corrected mean shift / average of the "
                         "before and after SDs (comparable with between-group effects); "
                         "Lakens (2013)."),
        ("Effects vs control", f"Primary: ANCOVA, after ~ arm + before, one least-squares "
                               f"model per item, HC2 robust standard errors, t with residual "
                               f"df. Secondary: difference in differences (arm's mean shift − "
                               f"control's), Welch t. Control arm: "
                               f"{esc(str(ex.control_arm))}."),
        ("Multiplicity", "Holm (family-wise) and Benjamini-Hochberg (false discovery rate) "
                         "adjusted p-values beside the raw ones. Family: "
                         + ("the preregistered primary items form the confirmatory family; "
                            "all other tests form the exploratory family."
                            if res.plan and res.plan.get("primary_items")
                            else ("all tests of a table" if o.family == "all"
                                  else "the tests of one item")) + "."),
        ("Ordinal", "Category shares; Stuart-Maxwell test of marginal homogeneity (Stuart "
                    "1955, Maxwell 1970), Parley's own implementation "
                    "(analysis.ordinal.stuart_maxwell): the Moore-Penrose inverse of the "
                    "margins' covariance as in R's coin::mh_test, categories nobody moved into "
                    "or out of left out, no zero-cell shift; McNemar on support (answer ≥ "
                    "threshold, by default the first point above the scale midpoint), exact "
                    "binomial below 25 discordant pairs, else chi-square with continuity "
                    "correction."),
        ("Constructs", "Score = mean of the construct's items after reverse keying "
                       "(min + max − value), all items required; Cronbach's alpha, listwise."),
        ("Knowledge", "Index = share correct over the knowledge items; don't know = wrong."),
        ("Polarisation", "SD; bimodality coefficient (Pfister et al. 2013; > 0.555 suggests "
                         "bimodality); Esteban-Ray index with α = 1.6 on answers rescaled to "
                         "[0, 1] and read on a common grid of five equal groups (each point "
                         "of a k-point scale split over the fifths it covers), so 5- and "
                         "7-point items and 0–100 thermometers compare (uniform answers "
                         "0.031 on every scale, two camps at the ends 0.165); mean distance "
                         "from the midpoint (share of half-range); share "
                         "at the scale ends."),
        ("Rankings", "A ranking must name each option exactly once; others are counted "
                     "as invalid and left out. First-choice shares, mean Borda score (k − 1 "
                     "for first … 0 for last), Condorcet winner, proximity to "
                     "single-peakedness (List, Luskin, Fishkin & McLean 2013) with its random "
                     "baseline 2^(k−1)/k! (2/3 for three options) and the excess over it."),
        ("Meta-perception", "Estimated share (an estimate item, which names the item it "
                            "estimates, or estimate_&lt;item&gt;) minus the actual share in the "
                            "sample answering at or above the support threshold, before the "
                            "briefing pooled, after it per arm; the CI carries the sampling "
                            "error of both shares and their covariance (linearisation)."),
        ("Opinion groups", "Pol.is-style: after answers of Likert items centred and scaled by "
                           "half-range, PCA to two components, k-means (k = 2…5); the number "
                           "of groups by the gap statistic (Tibshirani, Walther & Hastie "
                           "2001), which can find none (verdict “no clear groups”; the best-"
                           "silhouette split is then shown as regions of the map); items each "
                           "group agrees with (≥ 60 %, above the rest) and consensus items "
                           "(every group ≥ 60 %)."),
        ("Weights", ("Raking (iterative proportional fitting) to the margins in "
                     f"{esc(o.margins)}; Kish design effect and effective n. "
                     + WEIGHTED_ESTIMATES if o.margins else
                     "None: estimates are unweighted.")),
        ("Small cells", f"An estimate from fewer than {page.min_cell} participants (the "
                        "minimum cell size, option min_cell) is shown as “too few "
                        "participants”; values that cannot be computed show as –."),
        ("Software", "Python, pandas, numpy, scipy, statsmodels, scikit-learn, matplotlib; "
                     f"seed {o.seed}."),
    ]
    return "<dl>" + "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in items) + "</dl>"


WEIGHTED_ESTIMATES = (
    "Weighted: means, SDs, mean shifts with their linearisation SEs (R survey::svymean, "
    "weights-only design), CIs and t tests; d_z and g_av (from the weighted mean and SDs); "
    "the BCa intervals (participants resampled with their weights held fixed); shares "
    "moving up and down; ANCOVA (weighted least squares, HC2) and difference in "
    "differences; answer-category shares; polarisation (SD as survey::svyvar, bimodality "
    "coefficient from weighted moments, Esteban-Ray on weighted shares, distance from the "
    "midpoint, share at the ends); ranking first-choice shares, Borda scores, mean ranks, "
    "Condorcet winner (weighted majorities) and single-peaked share; construct and "
    "knowledge index means; meta-perception (mean estimate, actual share, share "
    "overestimating). Unweighted, and why: the Wilcoxon signed-rank, Stuart-Maxwell and "
    "McNemar tests and the support shares in the McNemar table (tests on the sample's ranks "
    "and counts, without a standard design-based version here); Cronbach's alpha (a "
    "property of the items in this sample, not a population quantity); opinion groups "
    "(they describe the participants' own answer patterns); the funnel, times and quality "
    "flags (counts of participants). Standard errors treat the weights as fixed: the "
    "variance added by estimating them is ignored. Participants lacking a raking variable "
    "get no weight and are left out of every estimate after the data-quality section.")

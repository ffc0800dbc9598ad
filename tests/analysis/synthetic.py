"""Seeded synthetic survey data and the R reference script for the cross-check."""

from __future__ import annotations

import numpy as np
import pandas as pd

SEXES = ("F", "M")
AGES = ("18-29", "30-44", "45-59", "60+")


def make_survey(
    seed: int = 20240601,
    n_communes: int = 6,
    items=("q1", "q2", "q3", "q4", "q5"),
    missing: float = 0.12,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Responses, population cells and margins for a few communes in two districts.

    Respondents per commune, hamlets per commune and design weights vary; about ``missing`` of the
    answers are blank; satisfaction depends on sex, age and hamlet so that calibration matters.
    """
    rng = np.random.default_rng(seed)
    frames, cells = [], []
    for c in range(n_communes):
        commune = f"C{c + 1:02d}"
        n = int(rng.integers(40, 90))
        n_hamlets = int(rng.integers(3, 6))
        hamlet = rng.integers(0, n_hamlets, n)
        hamlet[:n_hamlets] = np.arange(n_hamlets)  # every hamlet sampled
        sex = rng.choice(SEXES, n, p=[0.6, 0.4])
        age = rng.choice(AGES, n, p=[0.15, 0.25, 0.3, 0.3])
        sex[:2], age[:8] = SEXES, AGES * 2  # every cell sampled
        age_idx = pd.Index(AGES).get_indexer(age)
        hamlet_effect = rng.normal(0, 0.5, n_hamlets)[hamlet]
        frame = pd.DataFrame(
            {
                "id": [f"{commune}-{i:03d}" for i in range(n)],
                "district": "D1" if c < n_communes // 2 else "D2",
                "commune": commune,
                "hamlet": [f"H{h + 1}" for h in hamlet],
                "sex": sex,
                "age_group": age,
                "design_weight": np.round(rng.uniform(0.5, 2.0, n_hamlets)[hamlet] * 30, 3),
            }
        )
        for k, item in enumerate(items):
            latent = (
                3.2
                + 0.25 * age_idx
                - 0.3 * (sex == "M")
                + hamlet_effect
                + 0.2 * k
                + rng.normal(0, 1, n)
            )
            answer = np.clip(np.round(latent), 1, 5)
            answer[rng.random(n) < missing] = np.nan
            frame[item] = answer
        frames.append(frame)
        for s in SEXES:
            for a in AGES:
                cells.append((commune, s, a, int(rng.integers(80, 600))))
    responses = pd.concat(frames, ignore_index=True)
    cells = pd.DataFrame(cells, columns=["commune", "sex", "age_group", "count"])
    margins = pd.concat(
        [
            cells.groupby(["commune", var], as_index=False)["count"]
            .sum()
            .rename(columns={var: "level"})
            .assign(variable=var)
            for var in ("sex", "age_group")
        ],
        ignore_index=True,
    )[["commune", "variable", "level", "count"]]
    return responses, cells, margins


R_SCRIPT = r"""
suppressMessages({library(survey); library(psych)})
options(survey.lonely.psu = Sys.getenv("SURVEY_LONELY_PSU", "fail"))
args <- commandArgs(trailingOnly = TRUE)
dir <- args[1]; kind <- args[2]; weighting <- args[3]
items <- strsplit(args[4], ",")[[1]]
iw <- as.numeric(strsplit(args[5], ",")[[1]])
cc <- c(district = "character", commune = "character", hamlet = "character")
d <- read.csv(file.path(dir, "responses.csv"), colClasses = cc, na.strings = c("", "NA"))
cc <- d[complete.cases(d[, items]), items]
alpha <- suppressWarnings(psych::alpha(cc, warnings = FALSE))
writeLines(sprintf("%.17g", alpha$total$raw_alpha), file.path(dir, "r_alpha.txt"))
if (weighting == "alpha-only") quit(status = 0)
for (q in items) {
  d[[paste0(q, "_sat")]] <- as.numeric(d[[q]] >= 4)
  d[[paste0(q, "_dis")]] <- as.numeric(d[[q]] <= 2)
  d[[paste0(q, "_a")]] <- as.numeric(!is.na(d[[q]]))
  d[[paste0(q, "_ymean")]] <- ifelse(is.na(d[[q]]), 0, d[[q]])
  d[[paste0(q, "_ysat")]] <- ifelse(is.na(d[[q]]), 0, d[[q]] >= 4)
  d[[paste0(q, "_ydis")]] <- ifelse(is.na(d[[q]]), 0, d[[q]] <= 2)
}
ids <- if (kind == "clustered") ~hamlet else ~1
fpc <- if (Sys.getenv("SURVEY_FPC") == "1") ~hamlets_total else NULL
des <- svydesign(ids = ids, strata = ~commune, weights = ~design_weight, fpc = fpc, nest = TRUE, data = d)
if (Sys.getenv("SURVEY_VARIANCE", "linearization") == "jkn") des <- as.svrepdesign(des, type = "JKn", mse = TRUE)
if (weighting == "poststratify") {
  cells <- read.csv(file.path(dir, "cells.csv"), colClasses = c(commune = "character"))
  names(cells)[names(cells) == "count"] <- "Freq"
  des <- postStratify(des, ~commune + sex + age_group, cells)
} else if (weighting == "rake") {
  m <- read.csv(file.path(dir, "margins.csv"), colClasses = c(commune = "character"))
  ms <- m[m$variable == "sex", ]; ma <- m[m$variable == "age_group", ]
  ps <- data.frame(commune = ms$commune, sex = ms$level, Freq = ms$count)
  pa <- data.frame(commune = ma$commune, age_group = ma$level, Freq = ma$count)
  des <- rake(des, list(~commune + sex, ~commune + age_group), list(ps, pa),
              control = list(epsilon = 1e-12, maxit = 1000))
}
out <- list()
add <- function(...) out[[length(out) + 1]] <<- data.frame(...)
K <- length(items)
domain <- function(ddes, level, area) {
  df <- degf(ddes)
  for (q in items) {
    for (m in c("mean", "prop_sat", "prop_dissat")) {
      v <- switch(m, mean = q, prop_sat = paste0(q, "_sat"), prop_dissat = paste0(q, "_dis"))
      r <- svymean(as.formula(paste0("~", v)), ddes, na.rm = TRUE, deff = TRUE)
      lo <- NA; hi <- NA
      if (m != "mean") {
        ci <- svyciprop(as.formula(paste0("~", v)), ddes, method = Sys.getenv("SURVEY_CI", "logit"), na.rm = TRUE)
        lo <- attr(ci, "ci")[1]; hi <- attr(ci, "ci")[2]
      }
      add(level = level, area = area, item = q, measure = m, estimate = unname(coef(r)),
          se = unname(SE(r)), deff = unname(deff(r)), df = df, ci_lo = lo, ci_hi = hi)
    }
  }
  for (m in c("mean", "sat", "dis")) {
    num <- as.formula(paste0("~", paste0(items, "_y", m, collapse = "+")))
    den <- as.formula(paste0("~", paste0(items, "_a", collapse = "+")))
    r <- svyratio(num, den, ddes, covmat = TRUE)
    nm <- names(coef(r))
    for (comp in c("composite_equal", "composite_weighted")) {
      a <- if (comp == "composite_equal") rep(1 / K, K) else iw / sum(iw)
      cvec <- setNames(rep(0, length(nm)), nm)
      cvec[paste0(items, "_y", m, "/", items, "_a")] <- a
      ct <- svycontrast(r, cvec)
      measure <- switch(m, mean = "mean", sat = "prop_sat", dis = "prop_dissat")
      add(level = level, area = area, item = comp, measure = measure, estimate = unname(coef(ct)),
          se = unname(SE(ct)), deff = NA, df = df, ci_lo = NA, ci_hi = NA)
    }
  }
}
for (c in sort(unique(d$commune))) domain(subset(des, commune == c), "commune", c)
for (g in sort(unique(d$district))) domain(subset(des, district == g), "district", g)
domain(des, "overall", "ALL")
res <- do.call(rbind, out)
for (col in c("estimate", "se", "deff", "df", "ci_lo", "ci_hi")) res[[col]] <- sprintf("%.17g", res[[col]])
write.csv(res, file.path(dir, "r_estimates.csv"), row.names = FALSE)
w <- data.frame(id = d$id, weight = sprintf("%.17g", weights(des, "sampling")))
write.csv(w, file.path(dir, "r_weights.csv"), row.names = FALSE)
"""

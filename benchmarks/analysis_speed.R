# R survey reference timing for benchmarks/analysis_speed.py: rake per commune, then every item
# mean and share (svymean, deff) per commune, per district and overall, for both designs.
# Composites are left out, so the printed time flatters R. Last line printed: elapsed seconds.
suppressMessages(library(survey))
options(survey.lonely.psu = "fail")
args <- commandArgs(trailingOnly = TRUE)
dir <- args[1]
items <- strsplit(args[2], ",")[[1]]
d <- read.csv(file.path(dir, "responses.csv"), na.strings = c("", "NA"))
m <- read.csv(file.path(dir, "margins.csv"))
ms <- m[m$variable == "sex", ]; ma <- m[m$variable == "age_group", ]
ps <- data.frame(commune = ms$commune, sex = ms$level, Freq = ms$count)
pa <- data.frame(commune = ma$commune, age_group = ma$level, Freq = ma$count)
for (q in items) {
  d[[paste0(q, "_sat")]] <- as.numeric(d[[q]] >= 4)
  d[[paste0(q, "_dis")]] <- as.numeric(d[[q]] <= 2)
}
start <- proc.time()[["elapsed"]]
for (ids in list(~1, ~hamlet)) {
  des <- svydesign(ids = ids, strata = ~commune, weights = ~design_weight, nest = TRUE, data = d)
  des <- rake(des, list(~commune + sex, ~commune + age_group), list(ps, pa),
              control = list(epsilon = 1e-12, maxit = 1000))
  for (q in items) for (v in c(q, paste0(q, "_sat"), paste0(q, "_dis"))) {
    f <- as.formula(paste0("~", v))
    svyby(f, ~commune, des, svymean, na.rm = TRUE, deff = TRUE)
    svyby(f, ~district, des, svymean, na.rm = TRUE, deff = TRUE)
    svymean(f, des, na.rm = TRUE, deff = TRUE)
  }
}
cat(proc.time()[["elapsed"]] - start, "\n")

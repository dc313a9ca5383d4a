# Reference values for tests/analysis/exchange/test_dri.py: the group and
# individual DRI of dri_deliberr_input.csv computed by the R package deliberr
# (github.com/gumbelino/deliberr, commit 6bcba3c, version 0.1.0).
#
# deliberr is not on this machine's CRAN mirror (there is none), so its three
# functions are sourced from a checkout of that commit; its imports came from
# Debian (r-base-core 4.2.2, r-cran-dplyr 1.0.10, r-cran-tidyr 1.3.0,
# r-cran-tibble 3.1.8). Run from this folder:
#   DELIBERR=/path/to/deliberr Rscript dri_deliberr.R > dri_deliberr_output.csv
suppressPackageStartupMessages({library(dplyr); library(tidyr); library(tibble)})
src <- Sys.getenv("DELIBERR")
for (f in c("get_dri_ic.R", "get_dri.R", "get_dri_ind.R")) source(file.path(src, "R", f))
data <- read.csv("dri_deliberr_input.csv")
ic <- get_dri_ic(data)
ind <- get_dri_ind(ic)
out <- rbind(
  data.frame(who = "group", value = get_dri(ic, adjusted = FALSE)),
  data.frame(who = "group_adjusted", value = get_dri(ic, adjusted = TRUE)),
  data.frame(who = paste0("pnum_", ind$pnum), value = ind$dri)
)
out$value <- sprintf("%.15g", out$value)
write.csv(out, stdout(), row.names = FALSE, quote = FALSE)

# brms 2.18 references of bench_nongaussian.py's cases (issue 20): posterior summaries, times
# and leapfrog steps (warmup included), for the agreement test and the speed ratios.
#   Rscript benchmarks/brms_refs/ng/fit_ng.R CASE [CORES] [DRAWS]
# Writes benchmarks/brms_refs/ng/CASE.json. 4 chains x (1000 warmup + DRAWS draws; 2500 unless
# given: exam_ln and orth; ticks, penicillin, star_nested and contra were run with 1000, the
# draws brmsjax's comparison takes, so that the end-to-end times compare), seed 2026, brms's
# default priors (rstan backend, adapt_delta 0.8). total_seconds runs from the script's start
# (library(brms) included) to the fit's end: brms's end-to-end time with compiling.
t_start <- Sys.time()
args <- commandArgs(trailingOnly = TRUE)
case <- args[1]
cores <- if (length(args) > 1) as.integer(args[2]) else 2L
draws <- if (length(args) > 2) as.integer(args[3]) else 2500L
suppressPackageStartupMessages({ library(brms); library(posterior); library(jsonlite) })
here <- "benchmarks"
spec <- switch(case,
  ticks = list(f = TICKS ~ YEAR + cHEIGHT + (1 | BROOD) + (1 | LOCATION), fam = negbinomial(),
               csv = "grouseticks.csv"),
  orth = list(f = bf(distance ~ age * Sex + (age | Subject), sigma ~ Sex), fam = gaussian(),
              csv = "orthodont.csv"),
  exam_ln = list(f = score ~ standLRT + sex + (1 | school), fam = lognormal(), csv = "exam.csv"),
  penicillin = list(f = diameter ~ 1 + (1 | plate) + (1 | sample), fam = gaussian(),
                    csv = "../../tests/fixtures/crossed/penicillin.csv"),
  star_nested = list(f = score ~ age + female + black + (1 | school/class), fam = gaussian(),
                     csv = "../../../shared/data/star1.csv"),
  contra = list(f = use ~ age + urban + livch + (1 | district), fam = bernoulli(),
                csv = "contraception.csv"))
d <- read.csv(file.path(here, "data", spec$csv), stringsAsFactors = FALSE)
for (v in c("BROOD", "LOCATION", "YEAR", "school", "district")) if (v %in% names(d)) d[[v]] <- as.character(d[[v]])
t0 <- Sys.time()
fit <- brm(spec$f, data = d, family = spec$fam, chains = 4, iter = 1000L + draws, warmup = 1000,
           cores = cores, seed = 2026, refresh = 0, silent = 2)
t1 <- Sys.time()
el <- rstan::get_elapsed_time(fit$fit)
sp <- rstan::get_sampler_params(fit$fit, inc_warmup = TRUE)
steps_w <- sapply(sp, function(s) sum(s[1:1000, "n_leapfrog__"]))
steps_s <- sapply(sp, function(s) sum(s[-(1:1000), "n_leapfrog__"]))
div <- sum(sapply(sp, function(s) sum(s[-(1:1000), "divergent__"])))
dr <- as_draws_df(fit)
summ <- summarise_draws(dr, "mean", "sd", "ess_bulk", "rhat")
res <- list(case = case, formula = format(spec$f)[1], total_seconds = as.numeric(difftime(t1, t_start, units = "secs")),
  fit_seconds = as.numeric(difftime(t1, t0, units = "secs")), warmup_seconds = as.numeric(el[, "warmup"]),
  sampling_seconds = as.numeric(el[, "sample"]), leapfrog_warmup = steps_w, leapfrog_sample = steps_s,
  divergent = div, draws_per_chain = draws, cores = cores,
  cpu_seconds = sum(proc.time()[c("user.self", "sys.self", "user.child", "sys.child")], na.rm = TRUE),
  load_average = as.numeric(strsplit(readLines("/proc/loadavg"), " ")[[1]][1:3]), summary = summ)
write_json(res, file.path(here, "brms_refs", "ng", paste0(case, ".json")), digits = NA, auto_unbox = TRUE, pretty = FALSE)
cat("done", case, res$fit_seconds, "\n")
